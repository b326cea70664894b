//! Prints a bcrypt hash of its argument as `htpasswd -B` stores it: `$2y$`, and the cost
//! htpasswd uses unless told otherwise (5), or the cost given second (for benchmarks).

fn main() {
    let mut args = std::env::args().skip(1);
    let password = args.next().expect("usage: bcrypthash PASSWORD [COST]");
    let cost = args
        .next()
        .map_or(5, |c| c.parse().expect("a cost from 4 to 31"));
    let hash = bcrypt::hash(password, cost).expect("bcrypt hashes");
    println!("{}", hash.replacen("$2b$", "$2y$", 1));
}
