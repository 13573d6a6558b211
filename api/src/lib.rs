//! The rsdk server: GraphQL over axum on top of the `graph` domain service.

pub mod config;
pub mod error;
pub mod graphql;
pub mod server;
