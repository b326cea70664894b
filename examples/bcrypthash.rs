//! Prints a bcrypt hash of its argument, as `htpasswd -B` would store it (for benchmarks).

fn main() {
    let password = std::env::args().nth(1).expect("usage: bcrypthash PASSWORD");
    let hash = bcrypt::hash(password, bcrypt::DEFAULT_COST).expect("bcrypt hashes");
    println!("{}", hash.replacen("$2b$", "$2y$", 1));
}
