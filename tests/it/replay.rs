//! A replay of Debian's services on 127.0.0.1: the BTS's SOAP answers in the exact shape of
//! the recorded traffic in `tests/data/debbugs-soap/` (SOAP::Lite's envelope, `apachens:Map`
//! items, `xsd:int` merges, nil-valued version maps), a mirror's `Sources.xz`, the archive's
//! `new.822` and the security tracker's JSON. The test changes the world between runs.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::httpd::{Httpd, Reply, Request};

/// One bug as the BTS knows it.
#[derive(Debug, Clone, Default)]
pub struct Bug {
    pub num: u64,
    pub package: String,
    pub source: String,
    pub subject: String,
    pub tags: Vec<String>,
    pub done: String,
    pub fixed: Vec<String>,
    pub found: Vec<String>,
    pub mergedwith: Vec<u64>,
    pub affects: String,
    pub archived: bool,
}

impl Bug {
    pub fn new(num: u64, package: &str, subject: &str) -> Bug {
        Bug {
            num,
            package: package.into(),
            source: package.into(),
            subject: subject.into(),
            ..Bug::default()
        }
    }
}

/// What the services answer now; tests change it between runs.
#[derive(Default)]
pub struct World {
    pub bugs: BTreeMap<u64, Bug>,
    pub usertags: Vec<(String, Vec<u64>)>,
    /// `dists/<dist>/main/source/Sources.xz` → `(package, version)` stanzas.
    pub sources: BTreeMap<String, Vec<(String, String)>>,
    /// `dists/<codename>/Release` → its `Version:` (the point release).
    pub release: BTreeMap<String, String>,
    pub new822: String,
    pub security_json: String,
    /// Answer the next this many BTS calls with HTTP 500.
    pub fail_next: usize,
    /// Answer every `get_status` with this body instead (a fault, garbage).
    pub status_body: Option<String>,
    /// Requests seen, by kind: `get_status`, `get_usertag`, or the path.
    pub seen: Vec<String>,
    /// Bugs asked for in each get_status.
    pub asked: Vec<Vec<u64>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn envelope(method: &str, ns: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope \
soap:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\" \
xmlns:apachens=\"http://xml.apache.org/xml-soap\" \
xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>\
<{method}Response xmlns=\"{ns}\">{inner}</{method}Response></soap:Body></soap:Envelope>"
    )
}

fn string_array(name: &str, items: &[String]) -> String {
    let mut s = format!(
        "<{name} soapenc:arrayType=\"xsd:string[{}]\" xsi:type=\"soapenc:Array\">",
        items.len()
    );
    for i in items {
        s.push_str(&format!("<item xsi:type=\"xsd:string\">{}</item>", esc(i)));
    }
    s.push_str(&format!("</{name}>"));
    s
}

fn version_map(name: &str, items: &[String]) -> String {
    if items.is_empty() {
        return format!("<{name} />");
    }
    let mut s = format!("<{name} xsi:type=\"apachens:Map\">");
    for i in items {
        s.push_str(&format!(
            "<item><key xsi:type=\"xsd:string\">{}</key><value xsi:nil=\"true\" /></item>",
            esc(i)
        ));
    }
    s.push_str(&format!("</{name}>"));
    s
}

/// A `get_status` answer in the recorded shape (fields in the recorded, unsorted order).
pub fn get_status(bugs: &[&Bug]) -> String {
    if bugs.is_empty() {
        return envelope("get_status", "Debbugs/SOAP", "<s-gensym3 />");
    }
    let mut items = String::new();
    for b in bugs {
        let merged = match b.mergedwith.as_slice() {
            [one] => format!("<mergedwith xsi:type=\"xsd:int\">{one}</mergedwith>"),
            many => format!(
                "<mergedwith xsi:type=\"xsd:string\">{}</mergedwith>",
                many.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        items.push_str(&format!(
            "<item><key xsi:type=\"xsd:int\">{n}</key><value>\
<affects xsi:type=\"xsd:string\">{affects}</affects>\
<package xsi:type=\"xsd:string\">{package}</package>\
<keywords xsi:type=\"xsd:string\">{tags}</keywords>\
<id xsi:type=\"xsd:int\">{n}</id>{fixed_map}\
<severity xsi:type=\"xsd:string\">important</severity>{merged}\
<pending xsi:type=\"xsd:string\">{pending}</pending>\
<subject xsi:type=\"xsd:string\">{subject}</subject>\
<archived xsi:type=\"xsd:int\">{archived}</archived>\
<tags xsi:type=\"xsd:string\">{tags}</tags>\
<source xsi:type=\"xsd:string\">{source}</source>\
<bug_num xsi:type=\"xsd:int\">{n}</bug_num>\
<done xsi:type=\"xsd:string\">{done}</done>{found_map}\
<msgid xsi:type=\"xsd:string\">&lt;{n}@bugs.example.org&gt;</msgid>\
<location xsi:type=\"xsd:string\">{location}</location>\
{found_versions}{fixed_versions}</value></item>",
            n = b.num,
            affects = esc(&b.affects),
            package = esc(&b.package),
            tags = esc(&b.tags.join(" ")),
            fixed_map = version_map("fixed", &b.fixed),
            found_map = version_map("found", &b.found),
            pending = if b.done.is_empty() { "pending" } else { "done" },
            subject = esc(&b.subject),
            archived = u8::from(b.archived),
            source = esc(&b.source),
            done = esc(&b.done),
            location = if b.archived { "archive" } else { "db-h" },
            found_versions = string_array("found_versions", &b.found),
            fixed_versions = string_array("fixed_versions", &b.fixed),
        ));
    }
    envelope(
        "get_status",
        "Debbugs/SOAP",
        &format!("<s-gensym3 xsi:type=\"apachens:Map\">{items}</s-gensym3>"),
    )
}

/// A `get_usertag` answer in the recorded shape.
pub fn get_usertag(tags: &[(String, Vec<u64>)]) -> String {
    let mut inner = String::from("<s-gensym3>");
    for (tag, bugs) in tags {
        inner.push_str(&format!(
            "<{tag} soapenc:arrayType=\"xsd:int[{}]\" xsi:type=\"soapenc:Array\">",
            bugs.len()
        ));
        for b in bugs {
            inner.push_str(&format!("<item xsi:type=\"xsd:int\">{b}</item>"));
        }
        inner.push_str(&format!("</{tag}>"));
    }
    inner.push_str("</s-gensym3>");
    envelope("get_usertag", "Debbugs/SOAP/", &inner)
}

/// The bug numbers in a `get_status` request.
fn asked(body: &str) -> Vec<u64> {
    body.split("<item")
        .skip(1)
        .filter_map(|s| s.split_once('>'))
        .filter_map(|(_, rest)| rest.split('<').next()?.trim().parse().ok())
        .collect()
}

pub fn xz(text: &str) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

fn answer(world: &mut World, req: &Request) -> Reply {
    let path = req.path.as_str();
    if path == "/bts" {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let method = if body.contains("<get_status") {
            "get_status"
        } else if body.contains("<get_usertag") {
            "get_usertag"
        } else {
            "other"
        };
        world.seen.push(method.to_owned());
        if world.fail_next > 0 {
            world.fail_next -= 1;
            return Reply::status(500);
        }
        if let Some(b) = world
            .status_body
            .as_ref()
            .filter(|_| method == "get_status")
        {
            return Reply::Full {
                status: 200,
                content_type: "text/xml; charset=utf-8",
                body: b.clone().into_bytes(),
            };
        }
        let xml = match method {
            "get_status" => {
                let nums = asked(&body);
                world.asked.push(nums.clone());
                let bugs: Vec<&Bug> = nums.iter().filter_map(|n| world.bugs.get(n)).collect();
                get_status(&bugs)
            }
            "get_usertag" => get_usertag(&world.usertags),
            _ => return Reply::status(500),
        };
        return Reply::Full {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            body: xml.into_bytes(),
        };
    }
    world.seen.push(path.to_owned());
    if let Some(dist) = path
        .strip_prefix("/debian/dists/")
        .and_then(|p| p.strip_suffix("/main/source/Sources.xz"))
    {
        let Some(stanzas) = world.sources.get(dist) else {
            return Reply::status(404);
        };
        let text: String = stanzas
            .iter()
            .map(|(p, v)| format!("Package: {p}\nVersion: {v}\nMaintainer: M <m@example.org>\n\n"))
            .collect();
        return Reply::ok(xz(&text));
    }
    if let Some(dist) = path
        .strip_prefix("/debian/dists/")
        .and_then(|p| p.strip_suffix("/Release"))
    {
        let Some(version) = world.release.get(dist) else {
            return Reply::status(404);
        };
        // The head of a real Release file, as Debian's mirrors serve it.
        let text = format!(
            "Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: {version}\nCodename: {dist}\n\
             Date: Sat, 09 Nov 2024 10:06:01 UTC\nAcquire-By-Hash: yes\nArchitectures: all amd64 arm64\n\
             Components: main contrib non-free-firmware non-free\nDescription: Debian {version} Released 09 November 2024\n\
             MD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all\n"
        );
        return Reply::ok(text.into_bytes());
    }
    match path {
        "/ftp-master/new.822" => Reply::ok(world.new822.clone().into_bytes()),
        "/security/json" => Reply::ok(world.security_json.clone().into_bytes()),
        _ => Reply::status(404),
    }
}

/// The replay server and the world it answers from.
pub struct Replay {
    pub httpd: Httpd,
    pub world: Arc<Mutex<World>>,
}

impl Replay {
    pub fn start(world: World) -> Replay {
        let world = Arc::new(Mutex::new(world));
        let w = Arc::clone(&world);
        let httpd = Httpd::start(move |req| answer(&mut w.lock().unwrap(), req));
        Replay { httpd, world }
    }

    pub fn set(&self, f: impl FnOnce(&mut World)) {
        f(&mut self.world.lock().unwrap());
    }

    /// The `track sync` options that point every source here.
    pub fn sync_args(&self) -> Vec<String> {
        vec![
            "--bts".into(),
            self.httpd.url("/bts"),
            "--mirror".into(),
            self.httpd.url("/debian"),
            "--ftp-master".into(),
            self.httpd.url("/ftp-master"),
        ]
    }
}
