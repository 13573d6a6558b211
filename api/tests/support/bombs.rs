//! The abusive GraphQL documents the API limits must refuse as soon as the body is parsed,
//! before the caller is authenticated, a resolver runs or the database is asked: each with a
//! part of the message it is refused with. Shared by the abuse test (`tests/graphql.rs`) and
//! the abuse benchmark (`benches/abuse.rs`, release figures).

/// A bomb: what it is, the query text, a part of its refusal's message.
pub struct Bomb {
    pub name: &'static str,
    pub query: String,
    pub refusal: &'static str,
}

/// Depth 32, 10,000 aliases, 5,001 fields under the size limit, 8^12 fragment spreads.
pub fn bombs() -> Vec<Bomb> {
    let mut nested = String::from("{ experiment(project: \"p\", number: 1) { ");
    nested.push_str(&"parent { ".repeat(30));
    nested.push_str("number");
    nested.push_str(&" }".repeat(31));
    nested.push_str(" }");
    let aliases: String = (0..10_000)
        .map(|i| format!("a{i}: projects {{ name }} "))
        .collect();
    let mut fragments = String::from("query { ...F0 }");
    for level in 0..12 {
        let spreads = format!("...F{} ", level + 1).repeat(8);
        fragments.push_str(&format!(" fragment F{level} on QueryRoot {{ {spreads} }}"));
    }
    fragments.push_str(" fragment F12 on QueryRoot { projects { name } }");
    vec![
        Bomb {
            name: "depth 32",
            query: nested,
            refusal: "nested too deep",
        },
        Bomb {
            name: "10,000 aliases",
            query: format!("{{ {aliases} }}"),
            refusal: "at most 65536",
        },
        // Under the query size limit, still too many fields.
        Bomb {
            name: "5,001 fields in 55 KiB",
            query: format!("{{ {} }}", "__typename ".repeat(5_001)),
            refusal: "too complex",
        },
        Bomb {
            name: "8^12 fragment spreads",
            query: fragments,
            refusal: "too complex",
        },
    ]
}
