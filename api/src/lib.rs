//! The rsdk server: GraphQL over axum on top of the `graph` domain service.

pub mod allocator;
pub mod auth;
pub mod blobs;
pub mod code;
pub mod config;
pub mod error;
pub mod events;
pub mod evidence;
pub mod files;
pub mod graphql;
pub mod metrics;
pub mod search;
pub mod server;
pub mod services;
pub mod telemetry;
pub mod web;
