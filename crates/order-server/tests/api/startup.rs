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
