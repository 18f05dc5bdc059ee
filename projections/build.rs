//! The migrations are compiled into the crate (`sqlx::migrate!` in `pool.rs`); rebuild when one is
//! added.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
