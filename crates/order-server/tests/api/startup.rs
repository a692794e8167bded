use std::process::Command;

/// Bad configuration: one line on stderr naming the variable, exit code 2, no panic.
#[test]
fn bad_configuration_exits_with_code_2_naming_the_variable() {
    for (variable, value) in [
        ("LISTEN_ADDR", "nowhere"),
        ("DATABASE_URL", "mysql://localhost/orders"),
        ("DATABASE_POOL_SIZE", "-1"),
        ("RUST_LOG", "info,=[{"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_order-server"))
            .env(variable, value)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{variable}: {stderr}");
        assert!(stderr.contains(variable), "{variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The server with `vars`, asked to listen on every interface (a free port) with a throwaway database.
fn serve_publicly(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_order-server"));
    command
        .env("LISTEN_ADDR", "0.0.0.0:0")
        .env("DATABASE_URL", "sqlite::memory:")
        .env("RUST_LOG", "info")
        .env_remove("AUTH_JWT_SECRET")
        .env_remove("AUTH_JWKS_FILE")
        .env_remove("AUTH_DISABLED")
        .env("ALLOW_STANDINS", "true")
        .envs(vars.iter().copied());
    command
}

/// Runs the server until it says it is listening (true) or exits first (false); then stops it.
fn starts_serving(mut command: Command) -> bool {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
    let Some(stdout) = child.stdout.take() else {
        panic!("no stdout");
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("listening on http://") {
                let _ = sender.send(());
                return;
            }
        }
    });
    let listening = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .is_ok();
    let _ = child.kill();
    let _ = child.wait();
    listening
}

#[test]
fn an_open_server_on_a_public_address_refuses_to_start_saying_why() {
    let output = serve_publicly(&[])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for needed in ["LISTEN_ADDR", "AUTH_JWT_SECRET", "AUTH_DISABLED=true"] {
        assert!(stderr.contains(needed), "{needed}: {stderr}");
    }
}

#[test]
fn a_public_address_is_served_with_authentication_configured() {
    let secret = ("AUTH_JWT_SECRET", "a secret of at least thirty-two bytes!");
    assert!(starts_serving(serve_publicly(&[secret])));
}

#[test]
fn a_public_address_is_served_open_when_authentication_is_disabled_explicitly() {
    assert!(starts_serving(serve_publicly(&[("AUTH_DISABLED", "true")])));
}

const SERVICE_URLS: [&str; 5] = [
    "CUSTOMER_SERVICE_URL",
    "INVENTORY_SERVICE_URL",
    "PAYMENT_SERVICE_URL",
    "SHIPPING_SERVICE_URL",
    "NOTIFICATION_SERVICE_URL",
];

/// The server binary with no outside service configured, on `listen_addr`, with a throwaway SQLite file.
fn server_without_service_urls(listen_addr: &str, database: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_order-server"));
    command
        .env("LISTEN_ADDR", listen_addr)
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("RUST_LOG", "warn")
        .env_remove("ALLOW_STANDINS")
        .env("AUTH_DISABLED", "true")
        .env_remove("RUST_BACKTRACE");
    for variable in SERVICE_URLS {
        command.env_remove(variable);
    }
    command
}

#[test]
fn stand_ins_off_loopback_are_refused_with_code_2_naming_each_service() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = server_without_service_urls("0.0.0.0:0", &dir.path().join("orders.db"))
        .output()
        .expect("the server runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for variable in SERVICE_URLS.into_iter().chain(["ALLOW_STANDINS"]) {
        assert!(stderr.contains(variable), "{variable}: {stderr}");
    }
}

#[tokio::test]
async fn stand_ins_off_loopback_serve_when_allowed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let mut server =
        server_without_service_urls(&format!("0.0.0.0:{port}"), &dir.path().join("orders.db"))
            .env("ALLOW_STANDINS", "true")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the server starts");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("the server exited: {status}");
        }
        let answer = client
            .get(format!("http://127.0.0.1:{port}/health/ready"))
            .send()
            .await;
        if answer.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(ready, "the server never became ready on 0.0.0.0:{port}");
}

/// A first start on a new SQLite file: the schema is made without a single error line, and a log that goes to
/// a pipe carries no colour codes.
#[test]
fn a_first_start_on_a_new_sqlite_file_logs_no_error_and_no_colour_codes() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let directory = tempfile::tempdir().expect("a temp dir");
    let database = directory.path().join("new").join("orders.db");
    let mut server = Command::new(env!("CARGO_BIN_EXE_order-server"))
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the server");
    let stdout = server.stdout.take().expect("its stdout");
    let (lines, read) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !log.iter().any(|l: &String| l.contains("listening")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match read.recv_timeout(left) {
            Ok(line) => log.push(line),
            Err(_) => break,
        }
    }
    // Let the pool's connections open in the background, where the old race logged its errors.
    std::thread::sleep(std::time::Duration::from_millis(500));
    log.extend(read.try_iter());
    let _ = server.kill();
    let _ = server.wait();
    let mut stderr = String::new();
    if let Some(mut pipe) = server.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let log = log.join("\n");
    assert!(
        log.contains("listening"),
        "the server did not start: {log}\n{stderr}"
    );
    assert!(database.exists());
    for output in [&log, &stderr] {
        assert!(!output.contains("ERROR"), "{output}");
        assert!(!output.contains("locked"), "{output}");
        assert!(!output.contains('\u{1b}'), "colour codes in {output:?}");
    }
}
