//! The `maintdb` command: parses the command line and hands over to the library.
#![forbid(unsafe_code)]

/// mimalloc: a server swapping whole commits in and out keeps less memory than with the
/// system allocator, and the many small strings of 100,000 records allocate faster.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(maintdb::cli::main());
}
