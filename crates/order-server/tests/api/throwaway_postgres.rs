//! A PostgreSQL server of a test's own, for tests that stop the database under the service: `initdb` into a
//! temporary directory and `pg_ctl` on a free port, as the `postgres` user when the tests run as root (the
//! server refuses to run as root). Outside CI a machine without the server binaries skips such a test with a
//! message; under `CI=true` that is a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct ThrowawayPostgres {
    bin: PathBuf,
    directory: tempfile::TempDir,
    port: u16,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`, or the one on the `PATH`.
fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).or_else(|| {
        let found = Command::new("pg_config").arg("--bindir").output().ok()?;
        let bin = PathBuf::from(String::from_utf8_lossy(&found.stdout).trim());
        bin.join("initdb").exists().then_some(bin)
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl ThrowawayPostgres {
    /// A new server, initialised and started; `None` (after saying why) without the server binaries.
    pub fn start() -> Option<Self> {
        let Some(bin) = server_binaries() else {
            assert!(
                !in_ci(),
                "CI=true and no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package"
            );
            eprintln!("SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) on this machine");
            return None;
        };
        let directory = tempfile::tempdir().expect("a temp dir");
        if is_root() {
            let status = Command::new("chown")
                .arg("postgres:")
                .arg(directory.path())
                .status()
                .expect("run chown");
            assert!(status.success(), "cannot give the temp dir to postgres");
        }
        let free = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = free.local_addr().expect("its port").port();
        drop(free);
        let server = Self {
            bin,
            directory,
            port,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        server.start_again();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Kills the server the hard way (`pg_ctl stop -m immediate`): no checkpoint, crash recovery on restart.
    pub fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    pub fn start_again(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.directory.path().display()
        );
        let log = self.directory.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.directory
            .path()
            .join("data")
            .to_string_lossy()
            .into_owned()
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .current_dir(Path::new("/"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}
