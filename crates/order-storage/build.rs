//! Rebuilds the crate when a migration is added: `embed_migrations!` reads the folders at compile time, and
//! Cargo tracks only the files it included, not a new folder beside them.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
