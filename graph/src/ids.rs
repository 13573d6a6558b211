//! Newtype ids, so a project id is never passed where an experiment id belongs.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh time-ordered (UUIDv7) id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// The id as stored in the graph.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// Identifies a project.
    ProjectId
);
id_type!(
    /// Identifies an experiment across projects.
    ExperimentId
);
id_type!(
    /// Identifies a user.
    UserId
);
id_type!(
    /// Identifies a team.
    TeamId
);
id_type!(
    /// Identifies a hypothesis across projects.
    HypothesisId
);
