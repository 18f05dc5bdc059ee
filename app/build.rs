//! The migrations are compiled into the binary (`sqlx::migrate!`); rebuild when one is added.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
