//! A JetStream stream of its own for a test, read back message by message, deleted at the end.

use std::time::Duration;

use async_nats::jetstream;
use serde_json::Value;

pub const NATS_URL: &str = "nats://127.0.0.1:4222";

pub struct TestStream {
    pub name: String,
    pub prefix: String,
    js: jetstream::Context,
}

/// One message as the stream keeps it.
#[derive(Debug)]
pub struct Published {
    pub subject: String,
    pub message_id: Option<String>,
    pub body: Value,
}

impl TestStream {
    /// A unique stream and subject prefix on the NATS at `url`; `None` (after saying so) when it is not
    /// reachable, except under `CI=true`, where that fails the test.
    pub async fn on(url: &str) -> Option<Self> {
        let options = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(2));
        let client = match options.connect(url).await {
            Ok(client) => client,
            Err(error) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
                panic!("CI=true and NATS at {url} is not reachable: {error}")
            }
            Err(error) => {
                eprintln!("skipped: NATS at {url} is not reachable: {error}");
                return None;
            }
        };
        let unique = uuid::Uuid::now_v7().simple().to_string();
        Some(Self {
            name: format!("TEST_{unique}"),
            prefix: format!("t{unique}"),
            js: jetstream::new(client),
        })
    }

    pub async fn local() -> Option<Self> {
        Self::on(NATS_URL).await
    }

    /// Every message in the stream, in stream order (none if it does not exist yet).
    pub async fn messages(&self) -> Vec<Published> {
        let Ok(mut stream) = self.js.get_stream(&self.name).await else {
            return Vec::new();
        };
        let last = match stream.info().await {
            Ok(info) => info.state.last_sequence,
            Err(_) => return Vec::new(),
        };
        let mut messages = Vec::new();
        for sequence in 1..=last {
            if let Ok(message) = stream.get_raw_message(sequence).await {
                messages.push(Published {
                    subject: message.subject.to_string(),
                    message_id: message
                        .headers
                        .get(async_nats::header::NATS_MESSAGE_ID)
                        .map(|v| v.as_str().to_owned()),
                    body: serde_json::from_slice(&message.payload).unwrap_or_default(),
                });
            }
        }
        messages
    }

    /// The messages once there are `count` of them (waiting up to 20 s for the outbox worker).
    pub async fn wait_for(&self, count: usize) -> Vec<Published> {
        for _ in 0..200 {
            let messages = self.messages().await;
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.messages().await
    }

    pub async fn delete(self) {
        let _ = self.js.delete_stream(&self.name).await;
    }
}

/// A NATS server of the test's own (JetStream on, storing in a temporary directory), that the test can stop
/// and start again on the same port and store.
pub struct OwnNats {
    pub url: String,
    port: u16,
    store: tempfile::TempDir,
    process: Option<std::process::Child>,
}

impl OwnNats {
    const BINARY: &'static str = "/usr/sbin/nats-server";

    /// `None` (after saying so) when there is no `nats-server` binary, except under `CI=true`.
    pub async fn start() -> Option<Self> {
        if !std::path::Path::new(Self::BINARY).exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true and {} is missing", Self::BINARY);
            }
            eprintln!("skipped: {} is missing", Self::BINARY);
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut nats = Self {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            store: tempfile::tempdir().expect("a temporary directory"),
            process: None,
        };
        nats.resume().await;
        Some(nats)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub async fn resume(&mut self) {
        let process = std::process::Command::new(Self::BINARY)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.process = Some(process);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not start on port {}", self.port);
    }

    /// Kills the server.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.stop();
    }
}
