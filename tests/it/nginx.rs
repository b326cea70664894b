//! The README's nginx block, run by the real nginx over a render, answers as `maintdb serve`
//! does, status for status and byte for byte, for what Mageia's clients fetch.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::serve::Served;
use crate::support::{maintdb, run};

/// The `server` block the README gives, between its marker and the end of the code block.
fn readme_block() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- nginx-static")
        .expect("the README marks its nginx block");
    let rest = &readme[start..];
    let code = &rest[rest.find("```nginx\n").unwrap() + "```nginx\n".len()..];
    code[..code.find("```").unwrap()].to_owned()
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nginx(dir: &Path, site: &Path, port: u16) -> Nginx {
    let server = readme_block()
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
    let nginx = Nginx(child);
    crate::support::wait_for_port(port, "nginx", &dir.join("error.log"));
    nginx
}

#[test]
fn the_readmes_nginx_block_answers_as_serve_does() {
    let repo = crate::serve::sample();
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let (code, out, err) =
        run(maintdb(repo.path()).args(["render", "--out", site.to_str().unwrap()]));
    assert_eq!(code, 0, "{out}{err}");
    let port = crate::support::free_port();
    let _nginx = start_nginx(tmp.path(), &site, port);
    let served = Served::start_with(repo.path(), &[]);
    let c = reqwest::blocking::Client::new();
    for path in [
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
    ] {
        let a = c
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .unwrap();
        let b = c.get(format!("{}{path}", served.base)).send().unwrap();
        assert_eq!(a.status(), b.status(), "{path}");
        assert_eq!(
            a.headers().get("content-type"),
            b.headers().get("content-type"),
            "{path}"
        );
        assert!(
            a.bytes().unwrap() == b.bytes().unwrap(),
            "{path}: the bodies differ"
        );
    }
}
