//! Migrations are embedded at compile time: rebuild when they change, so a new migration can
//! never be missing from the binary (or from the test template named after the files).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
