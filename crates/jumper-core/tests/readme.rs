//! The README's "In Rust" block is `examples/readme.rs` byte for byte, so the example (built by
//! `cargo test`, run as a doctest of the crate) is what a reader copies.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

/// The first ```rust block after the "### In Rust" heading.
fn readme_block() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let section = &text[text.find("### In Rust").expect("an In Rust section")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let len = section[start..].find("```\n").expect("a closed block");
    section[start..start + len].to_string()
}

#[test]
fn the_readme_in_rust_block_is_the_example_that_runs() {
    let example = include_str!("../examples/readme.rs");
    assert_eq!(
        readme_block(),
        example,
        "README.md's In Rust block and crates/jumper-core/examples/readme.rs differ"
    );
    // jumper-core is the only dependency it needs.
    for line in example
        .lines()
        .filter(|l| l.trim_start().starts_with("use "))
    {
        let path = line.trim_start().trim_start_matches("use ");
        assert!(
            path.starts_with("jumper_core::") || path.starts_with("std::"),
            "{line}"
        );
    }
    assert!(example.contains("fn main()"), "a complete program");
}
