//! The tracker's benchmark helper: a data repository with many tracks, a replay of the BTS and
//! the archive on 127.0.0.1 (the tests' own replay server), and a security-tracker JSON of the
//! real shape and size.
//!
//! ```sh
//! trackbench init DIR N [STATE]      # N packages with one track each (state new, or STATE)
//! trackbench run N -- CMD ARGS…      # serves N bugs, runs CMD ({bts} {mirror} {ftp} replaced),
//!                                    # then prints the requests the command made
//! trackbench security FILE MB        # writes a security-tracker JSON of about MB megabytes
//! ```

#[path = "../tests/it/httpd.rs"]
#[allow(dead_code)]
mod httpd;
#[path = "../tests/it/replay.rs"]
#[allow(dead_code)]
mod replay;

use std::io::Write;
use std::process::Command;

use replay::{Bug, Replay, World};

fn init(dir: &str, n: usize, state: &str) -> std::io::Result<()> {
    let root = std::path::Path::new(dir).join("maintainers");
    let w = |rel: String, text: String| -> std::io::Result<()> {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent"))?;
        std::fs::write(p, text)
    };
    w(
        "config.toml".into(),
        "distribution = \"Bench\"\nbase_url = \"https://maintdb.example.org/\"\n\n[mail]\n\
         from = \"Tracker <tracker@example.org>\"\nmax_per_hour = 1000000\n"
            .into(),
    )?;
    w(
        "policy.toml".into(),
        "admins = [\"tracker\"]\ntrackers = [\"tracker\"]\n".into(),
    )?;
    w(
        "suites.toml".into(),
        "[stable]\ncodename = \"bookworm\"\nversion = \"12.8\"\n\n[oldstable]\ncodename = \"bullseye\"\nversion = \"11.11\"\n".into(),
    )?;
    w(
        "people/tracker.toml".into(),
        "name = \"Tracker\"\nemail = \"tracker@example.org\"\n".into(),
    )?;
    for i in 0..n {
        let pkg = format!("pkg{i}");
        w(
            format!("packages/p/{pkg}.toml"),
            "maintainers = [\"tracker\"]\n".into(),
        )?;
        w(
            format!("tracks/{}.toml", 1_000_000 + i),
            format!(
                "package = \"{pkg}\"\nsuites = [\"stable\", \"oldstable\"]\n\n[bts]\nsubject = \"{pkg}: CVE-2026-{i}\"\n\
                 done = \"M <m@example.org>\"\nfixed_versions = [\"{pkg}/2.0-1\"]\nmsgid = \"<r{i}@example.org>\"\n\n\
                 [stable]\nstate = \"{state}\"\n\n[oldstable]\nstate = \"new\"\n"
            ),
        )?;
    }
    Ok(())
}

/// The world for N tracked bugs: a quarter closed in unstable, a quarter with a request, a
/// quarter uploaded, a quarter accepted, and suites of N packages.
fn world(n: usize) -> World {
    let mut w = World::default();
    let mut pu = Vec::new();
    let mut stable = Vec::new();
    let mut proposed = Vec::new();
    let mut queue = String::new();
    for i in 0..n {
        let num = 1_000_000 + i as u64;
        let pkg = format!("pkg{i}");
        let mut b = Bug::new(num, &pkg, &format!("{pkg}: CVE-2026-{i}"));
        b.done = "Maintainer <m@example.org>".into();
        b.fixed = vec![format!("{pkg}/2.0-1")];
        b.found = vec![format!("{pkg}/1.0-1")];
        w.bugs.insert(num, b);
        stable.push((pkg.clone(), "1.0-1".to_owned()));
        let fix = "1.0-1+deb12u1".to_owned();
        if i % 4 >= 1 {
            let req = 2_000_000 + i as u64;
            let mut r = Bug::new(
                req,
                "release.debian.org",
                &format!("bookworm-pu: package {pkg}/{fix}"),
            );
            r.tags = vec!["bookworm".into(), "confirmed".into()];
            r.source = "release.debian.org".into();
            w.bugs.insert(req, r);
            pu.push(req);
        }
        if i % 4 == 2 {
            queue.push_str(&format!(
                "Source: {pkg}\nVersion: {fix}\nDistribution: bookworm\nQueue: stable-new\nCloses: {num}\n\n"
            ));
        }
        if i % 4 == 3 {
            proposed.push((pkg.clone(), fix));
        }
    }
    w.usertags = vec![("pu".into(), pu), ("opu".into(), vec![])];
    w.sources.insert("bookworm".into(), stable.clone());
    w.sources
        .insert("bookworm-proposed-updates".into(), proposed);
    w.sources.insert("bullseye".into(), stable);
    w.sources
        .insert("bullseye-proposed-updates".into(), Vec::new());
    w.new822 = queue;
    w
}

fn run(n: usize, cmd: &[String]) -> std::io::Result<i32> {
    let r = Replay::start(world(n));
    let subst = |a: &String| {
        a.replace("{bts}", &r.httpd.url("/bts"))
            .replace("{mirror}", &r.httpd.url("/debian"))
            .replace("{ftp}", &r.httpd.url("/ftp-master"))
    };
    let args: Vec<String> = cmd.iter().map(subst).collect();
    let status = Command::new(&args[0]).args(&args[1..]).status()?;
    let w = r.world.lock().expect("the replay server is alive");
    let count = |k: &str| w.seen.iter().filter(|s| s.as_str() == k).count();
    eprintln!(
        "requests: get_status {} (bugs per call: max {}), get_usertag {}, Sources {}, new.822 {}",
        count("get_status"),
        w.asked.iter().map(Vec::len).max().unwrap_or(0),
        count("get_usertag"),
        w.seen.iter().filter(|s| s.ends_with("Sources.xz")).count(),
        count("/ftp-master/new.822"),
    );
    Ok(status.code().unwrap_or(2))
}

/// A JSON in the security tracker's shape: source → CVE → bug, releases.
fn security(file: &str, mb: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
    out.write_all(b"{")?;
    let mut written = 0usize;
    let mut i = 0usize;
    while written < mb * 1_000_000 {
        let mut s = format!("{}\"src{i}\": {{", if i == 0 { "" } else { ", " });
        for j in 0..5 {
            let open = (i + j).is_multiple_of(7);
            s.push_str(&format!(
                "{}\"CVE-2026-{i}{j}\": {{\"description\": \"A flaw was found in src{i} that allows a remote attacker to cause a denial of service via crafted input ({j}).\", \"scope\": \"remote\", \"debianbug\": {bug}, \"releases\": {{\"bookworm\": {{\"status\": \"{st}\", \"repositories\": {{\"bookworm\": \"1.0-1\"}}, \"urgency\": \"low**\", \"nodsa\": \"Minor issue\", \"nodsa_reason\": \"\"}}, \"bullseye\": {{\"status\": \"resolved\", \"repositories\": {{\"bullseye\": \"0.9-1\"}}, \"fixed_version\": \"0\", \"urgency\": \"unimportant\"}}, \"sid\": {{\"status\": \"resolved\", \"repositories\": {{\"sid\": \"1.1-1\"}}, \"fixed_version\": \"1.1-1\", \"urgency\": \"low\"}}, \"trixie\": {{\"status\": \"resolved\", \"repositories\": {{\"trixie\": \"1.1-1\"}}, \"fixed_version\": \"1.1-1\", \"urgency\": \"low\"}}}}}}",
                if j == 0 { "" } else { ", " },
                bug = 3_000_000 + i * 5 + j,
                st = if open { "open" } else { "resolved" },
            ));
        }
        s.push('}');
        written += s.len();
        out.write_all(s.as_bytes())?;
        i += 1;
    }
    out.write_all(b"}\n")?;
    out.flush()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: trackbench init DIR N [STATE] | run N -- CMD… | security FILE MB";
    match args.first().map(String::as_str) {
        Some("init") if (3..=4).contains(&args.len()) => init(
            &args[1],
            args[2].parse().expect("N"),
            args.get(3).map_or("new", String::as_str),
        ),
        Some("run") if args.len() > 3 && args[2] == "--" => {
            let code = run(args[1].parse().expect("N"), &args[3..])?;
            std::process::exit(code)
        }
        Some("security") if args.len() == 3 => security(&args[1], args[2].parse().expect("MB")),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    }
}
