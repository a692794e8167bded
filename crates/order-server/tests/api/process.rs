//! The real `order-server` binary as a child process, for what only a process shows: its log lines, its
//! command line, its metrics on their own, and how it stops on a signal.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use order_storage::{Database, SqliteLocation};
use serde_json::Value;

pub fn order_server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_order-server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

/// Runs `order-server` with these arguments and variables to its end.
pub fn run(args: &[&str], vars: &[(&str, &str)]) -> Output {
    order_server()
        .args(args)
        .envs(vars.iter().copied())
        .output()
        .expect("the server binary runs")
}

/// The `DATABASE_URL` of a test database.
pub fn database_url(database: &Database) -> String {
    match database {
        Database::Sqlite(SqliteLocation::File(path)) => format!("sqlite://{}", path.display()),
        Database::Sqlite(SqliteLocation::Memory) => "sqlite::memory:".to_owned(),
        Database::Postgres(url) => url.clone(),
    }
}

/// A served `order-server` process with JSON logs, on a free port; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub address: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `order-server serve` on `database_url` with these extra variables, and waits until it listens.
    pub fn start(database_url: &str, vars: &[(&str, &str)]) -> Self {
        let mut child = order_server()
            .arg("serve")
            .env("LOG_FORMAT", "json")
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", database_url)
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (listening, address) = mpsc::channel();
        let kept = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = listening_address(&line) {
                    let _ = listening.send(address);
                }
                kept.lock().expect("the log lock").push(line);
            }
        });
        let address = wait_for(&address, &lines);
        Self {
            child,
            address,
            lines,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// Every line the process wrote to stdout so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("the log lock").clone()
    }

    /// The lines as JSON; panics on a line that is not one JSON object.
    pub fn json_lines(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .map(|line| match serde_json::from_str::<Value>(line) {
                Ok(value) if value.is_object() => value,
                _ => panic!("not a JSON object: {line}"),
            })
            .collect()
    }

    /// The first log line (as JSON) that `matches`, waiting up to 10 s for it.
    pub fn line_where(&self, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(line) = self.json_lines().into_iter().find(|line| matches(line)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no such line:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) on our own child's pid with a valid signal touches no memory of ours.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM could not be sent");
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited for") {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address of the start-up line `listening on http://...`.
fn listening_address(line: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    let message = value["message"].as_str()?;
    message
        .strip_prefix("listening on http://")
        .map(str::to_owned)
}

fn wait_for(address: &Receiver<String>, lines: &Mutex<Vec<String>>) -> String {
    address
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let lines = lines.lock().map(|l| l.join("\n")).unwrap_or_default();
            panic!("the server did not say where it listens:\n{lines}")
        })
}
