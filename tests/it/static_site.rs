//! The README's nginx and Apache blocks, run by the real nginx and Apache over a render,
//! answer as `maintdb serve` does, status for status and byte for byte, for what Mageia's
//! clients fetch.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::serve::Served;
use crate::support::{maintdb, run};

/// The code block the README marks with `<!-- NAME-static`, in language `lang`.
fn readme_block(name: &str, lang: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find(&format!("<!-- {name}-static"))
        .expect("the README marks its block");
    let rest = &readme[start..];
    let fence = format!("```{lang}\n");
    let code = &rest[rest.find(&fence).unwrap() + fence.len()..];
    code[..code.find("```").unwrap()].to_owned()
}

/// A web server the test started.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nginx(dir: &Path, site: &Path, port: u16) -> Running {
    let server = readme_block("nginx", "nginx")
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
        .replace("/srv/www/maintdb", site.to_str().unwrap());
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{}}\nhttp {{\n include /etc/nginx/mime.types;\n access_log off;\n\
         client_body_temp_path {t};\n proxy_temp_path {t};\n fastcgi_temp_path {t};\n\
         uwsgi_temp_path {t};\n scgi_temp_path {t};\n{server}}}\n",
        d = dir.display(),
        t = tmp.display(),
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("nginx")
        .args(["-p", dir.to_str().unwrap(), "-e"])
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx is installed");
    let nginx = Running(child);
    crate::support::wait_for_port(port, "nginx", &dir.join("error.log"));
    nginx
}

/// Apache with the README's virtual host, on `port`, serving `site` (which its user must be
/// able to read).
fn start_apache(dir: &Path, site: &Path, port: u16) -> Running {
    let vhost = readme_block("apache", "apache")
        .replace(
            "<VirtualHost *:80>",
            &format!("<VirtualHost 127.0.0.1:{port}>"),
        )
        .replace("/srv/www/maintdb", site.to_str().unwrap());
    let modules: String = ["mpm_prefork", "authz_core", "mime", "dir", "rewrite"]
        .iter()
        .map(|m| format!("LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n"))
        .collect();
    let user = if crate::apache::is_root() {
        "User nobody\nGroup nogroup\n"
    } else {
        ""
    };
    let conf = format!(
        "ServerRoot {d}\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\n\
         ErrorLog {d}/apache-error.log\nTypesConfig /etc/mime.types\n{modules}{user}{vhost}",
        d = dir.display(),
    );
    let path = dir.join("httpd.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("apache2")
        .args(["-X", "-f", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apache2 is installed");
    let apache = Running(child);
    crate::support::wait_for_port(port, "apache", &dir.join("apache-error.log"));
    apache
}

#[test]
fn the_readmes_nginx_and_apache_blocks_answer_as_serve_does() {
    use std::os::unix::fs::PermissionsExt;
    let repo = crate::serve::sample();
    let tmp = tempfile::tempdir().unwrap();
    // Apache's children (`nobody` when started by root) read the site.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let site = tmp.path().join("site");
    let (code, out, err) =
        run(maintdb(repo.path()).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 0, "{out}{err}");
    let nginx_port = crate::support::free_port();
    let _nginx = start_nginx(tmp.path(), &site, nginx_port);
    let apache_port = crate::support::free_port();
    let _apache = start_apache(tmp.path(), &site, apache_port);
    let served = Served::start_with(repo.path(), &[]);
    let c = reqwest::blocking::Client::new();
    let paths = [
        "/perl",
        "/abicheck",
        "/no-such-package",
        "/maintdb.txt",
        "/unmaintained.txt",
        "/data/maintdb.txt",
        "/data/unmaintained.txt",
        "/packages/perl.html",
        "/packages/perl.txt",
        "/packages.txt",
        "/",
    ];
    for (path, port) in paths
        .iter()
        .flat_map(|p| [(*p, nginx_port), (*p, apache_port)])
    {
        let server = if port == nginx_port {
            "nginx"
        } else {
            "apache"
        };
        let a = c
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .unwrap();
        let b = c.get(format!("{}{path}", served.base)).send().unwrap();
        assert_eq!(a.status(), b.status(), "{server} {path}");
        assert_eq!(
            a.headers().get("content-type"),
            b.headers().get("content-type"),
            "{server} {path}"
        );
        assert!(
            a.bytes().unwrap() == b.bytes().unwrap(),
            "{server} {path}: the bodies differ"
        );
    }
}
