//! `person sync --ldif` against a real OpenLDAP server (Debian's slapd, with a throwaway
//! configuration on 127.0.0.1), read through the real `ldapsearch -LLL`, as the README's cron
//! line does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{free_port, git_ok, maintdb, run, wait_for_port};

const SUFFIX: &str = "dc=example,dc=org";
const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
const ROOT_PW: &str = "secret";

/// slapd serving `dc=example,dc=org` from a fresh database under `dir`; killed on drop.
struct Slapd {
    child: Child,
    url: String,
}

impl Slapd {
    fn start(dir: &Path) -> Slapd {
        let db = dir.join("db");
        std::fs::create_dir_all(&db).unwrap();
        let conf = dir.join("slapd.conf");
        let schema = "/etc/ldap/schema";
        std::fs::write(
            &conf,
            format!(
                "include {schema}/core.schema\ninclude {schema}/cosine.schema\n\
                 include {schema}/inetorgperson.schema\npidfile {dir}/slapd.pid\n\
                 modulepath /usr/lib/ldap\nmoduleload back_mdb\ndatabase mdb\n\
                 maxsize 10485760\nsuffix \"{SUFFIX}\"\nrootdn \"{ROOT_DN}\"\n\
                 rootpw {ROOT_PW}\ndirectory {db}\n",
                dir = dir.display(),
                db = db.display()
            ),
        )
        .unwrap();
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let log = dir.join("slapd.log");
        let child = Command::new("/usr/sbin/slapd")
            .arg("-f")
            .arg(&conf)
            .args(["-h", &format!("{url}/"), "-d", "0"])
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.join("slapd.err")).unwrap())
            .spawn()
            .expect("slapd runs (Debian's slapd package; .ci/run installs it)");
        wait_for_port(port, "slapd", &dir.join("slapd.err"));
        Slapd { child, url }
    }

    /// Runs an ldap-utils client (`ldapadd`, `ldapmodify`, `ldapdelete`) as the root DN.
    fn write(&self, tool: &str, input: &str) {
        let mut c = Command::new(tool)
            .args(["-x", "-H", &self.url, "-D", ROOT_DN, "-w", ROOT_PW])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        assert!(c.wait().unwrap().success(), "{tool} failed on:\n{input}");
    }

    /// `ldapsearch -LLL` of the people, as the README's cron line runs it.
    fn search(&self, filter: &str) -> Vec<u8> {
        let out = Command::new("ldapsearch")
            .args(["-LLL", "-x", "-H", &self.url])
            .args(["-b", &format!("ou=people,{SUFFIX}"), filter])
            .args(["uid", "cn", "mail"])
            .output()
            .unwrap();
        assert!(out.status.success() || out.status.code() == Some(32));
        out.stdout
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PEOPLE: &str = "dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=elodie,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: elodie
sn: Hervé
cn: Élodie Hervé-Wölfflin de la Longue Famille des Noms Très Étendus
mail: elodie@example.org
";

fn person(uid: &str, cn: &str, mails: &[&str]) -> String {
    let mut s = format!(
        "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\nsn: {uid}\ncn: {cn}\n"
    );
    for m in mails {
        s.push_str(&format!("mail: {m}\n"));
    }
    s
}

/// A data repository made by `init` (admin `admin`), with tv (named after the login, as
/// imports leave people, and a comment) and carol, whom the directory does not list.
fn data(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    let (code, out, err) = run(maintdb(tmp).arg("init").arg(&data).args([
        "--distribution",
        "Example",
        "--admin",
        "admin",
        "--email",
        "admin@example.org",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(
        data.join("maintainers/people/tv.toml"),
        "# imported from maintdb.txt\nname = \"tv\"\nemail = \"tv@example.org\"\n",
    )
    .unwrap();
    std::fs::write(
        data.join("maintainers/people/carol.toml"),
        "name = \"Carol\"\nemail = \"carol@example.org\"\n",
    )
    .unwrap();
    git_ok(&data, &["add", "-A"]);
    git_ok(
        &data,
        &[
            "-c",
            "user.name=A",
            "-c",
            "user.email=admin@example.org",
            "commit",
            "-qm",
            "people",
        ],
    );
    data
}

fn sync(data: &Path, ldif: &[u8], extra: &[&str]) -> (i32, String, String) {
    let mut c = maintdb(data)
        .env("MAINTDB_USER", "admin")
        .args(["person", "sync", "--ldif", "-"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(ldif).unwrap();
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn record(data: &Path, login: &str) -> String {
    std::fs::read_to_string(data.join(format!("maintainers/people/{login}.toml"))).unwrap()
}

#[test]
fn people_follow_a_live_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let slapd = Slapd::start(&tmp.path().join("ldap"));
    slapd.write("ldapadd", PEOPLE);
    slapd.write(
        "ldapadd",
        &[
            person(
                "anne",
                "Anne Mott",
                &["anne@example.org", "anne@users.example.net"],
            ),
            person("tv", "Thierry Vignaud", &["tv@example.org"]),
            person("bob", "Bob Smith", &["bob@example.org"]),
        ]
        .join("\n"),
    );
    let data = data(tmp.path());
    let head = || git_ok(&data, &["rev-parse", "HEAD"]).trim().to_owned();
    let before = head();
    let answer = slapd.search("(objectClass=inetOrgPerson)");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.contains("cn:: "),
        "the non-ASCII name comes base64: {text}"
    );
    assert!(
        text.contains("\n "),
        "ldapsearch folds the long line: {text}"
    );

    // --dry-run says the plan and commits nothing.
    let (code, out, err) = sync(&data, &answer, &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("add elodie: Élodie Hervé-Wölfflin"), "{out}");
    assert!(
        out.contains("update tv: name `tv` → `Thierry Vignaud`"),
        "{out}"
    );
    assert!(out.contains("mark carol inactive"), "{out}");
    assert!(!out.contains("mark admin"), "{out}");
    assert!(
        err.contains("admin is not in the directory but holds a role"),
        "{err}"
    );
    assert_eq!(head(), before);

    let (code, out, err) = sync(&data, &answer, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("sync people with the directory: 3 added, 1 updated, 1 marked inactive"),
        "{out}"
    );
    assert_eq!(
        git_ok(&data, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "admin <admin@example.org>"
    );
    assert_eq!(
        git_ok(&data, &["rev-list", "--count", &format!("{before}..HEAD")]).trim(),
        "1"
    );
    assert!(
        record(&data, "elodie").contains(
            "name = \"Élodie Hervé-Wölfflin de la Longue Famille des Noms Très Étendus\""
        )
    );
    let anne = record(&data, "anne");
    assert!(anne.contains("email = \"anne@example.org\""), "{anne}");
    assert!(
        anne.contains("aliases = [\"anne@users.example.net\"]"),
        "{anne}"
    );
    let tv = record(&data, "tv");
    assert!(
        tv.starts_with("# imported from maintdb.txt\n"),
        "comment kept: {tv}"
    );
    assert!(tv.contains("name = \"Thierry Vignaud\""), "{tv}");
    assert!(record(&data, "carol").contains("inactive = true"));
    assert!(!record(&data, "admin").contains("inactive"));
    let (code, out, err) = run(maintdb(&data).arg("check"));
    assert_eq!(code, 0, "{out}{err}");

    // bob leaves, anne's address changes, carol comes back.
    slapd.write("ldapdelete", &format!("uid=bob,ou=people,{SUFFIX}\n"));
    slapd.write(
        "ldapmodify",
        &format!(
            "dn: uid=anne,ou=people,{SUFFIX}\nchangetype: modify\nreplace: mail\nmail: anne@new.example.org\n"
        ),
    );
    slapd.write("ldapadd", &person("carol", "Carol", &["carol@example.org"]));
    let (code, out, err) = sync(&data, &slapd.search("(objectClass=inetOrgPerson)"), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 updated, 1 marked inactive"), "{out}");
    let bob = record(&data, "bob");
    assert!(
        bob.contains("inactive = true"),
        "never deleted, marked: {bob}"
    );
    let anne = record(&data, "anne");
    assert!(anne.contains("email = \"anne@new.example.org\""), "{anne}");
    assert!(
        anne.contains("anne@users.example.net") && anne.contains("\"anne@example.org\""),
        "the old addresses stay as aliases: {anne}"
    );
    assert!(!record(&data, "carol").contains("inactive"), "active again");

    // The same answer again changes nothing.
    let (code, out, err) = sync(&data, &slapd.search("(objectClass=inetOrgPerson)"), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("nothing changed: the people records agree"),
        "{out}"
    );
}

#[test]
fn a_short_or_malformed_answer_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let slapd = Slapd::start(&tmp.path().join("ldap"));
    slapd.write("ldapadd", PEOPLE);
    slapd.write(
        "ldapadd",
        &person("tv", "Thierry Vignaud", &["tv@example.org"]),
    );
    let data = data(tmp.path());
    let before = git_ok(&data, &["rev-parse", "HEAD"]);

    // A search that finds nobody (a wrong filter, a failed ldapsearch piped on) retires no one.
    let (code, out, err) = sync(&data, &slapd.search("(uid=nobody-here)"), &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("directory-incomplete"), "{err}");
    // More people gone than --max-inactive allows: a search cut short by a size limit.
    let answer = slapd.search("(objectClass=inetOrgPerson)");
    let (code, out, err) = sync(&data, &answer, &["--max-inactive", "0"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("would mark 1 person inactive"), "{err}");
    // Malformed LDIF is refused with its line.
    let (code, _, err) = sync(&data, b"dn: uid=x,dc=y\nuid: x\ncn:: !!!\n", &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("-:3: malformed-input") && err.contains("base64"),
        "{err}"
    );
    let (code, _, err) = sync(&data, b"dn: uid=x,dc=y\nchangetype: delete\n", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("change record"), "{err}");
    // A login maintdb does not accept is skipped with a warning naming the entry.
    let mut odd = answer.clone();
    odd.extend_from_slice(
        b"\ndn: uid=Bad Login,ou=people,dc=example,dc=org\nuid: Bad Login\nmail: b@example.org\n",
    );
    let (code, out, err) = sync(&data, &odd, &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("`Bad Login` is not a login maintdb accepts"),
        "{err}"
    );
    assert_eq!(git_ok(&data, &["rev-parse", "HEAD"]), before);
}
