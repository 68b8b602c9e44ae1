//! The seed's CLI flows through the real `aws` CLI against `codedeck serve`
//! started with `assets/fleet.toml` (scripts/install-tools.sh installs the CLI).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "codedeck serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn aws_cli_available() -> bool {
    let direct = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    direct
        || Command::new("python3")
            .args(["-m", "awscli", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
}

#[test]
fn seed_cli_flows_run_as_written() {
    assert!(
        aws_cli_available(),
        "the AWS CLI is missing: run scripts/install-tools.sh (the README's test command does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let root = env!("CARGO_MANIFEST_DIR");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_codedeck"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--speed",
                "200",
            ])
            .arg("--state")
            .arg(dir.path().join("state.db"))
            .arg("--fleet")
            .arg(format!("{root}/assets/fleet.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start codedeck serve"),
    );
    wait_for(port);
    let out = Command::new("bash")
        .arg(format!("{root}/tests/cli/seed_flows.sh"))
        .env("ENDPOINT", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("run the seed flows");
    drop(server);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "seed flows failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("seed flows: all passed"), "{stdout}");
}
