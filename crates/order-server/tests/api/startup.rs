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
