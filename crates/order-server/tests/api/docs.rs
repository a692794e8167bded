//! The OpenAPI document and the interactive docs, as a client and a browser see them.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{header, json_of, spawn_app};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// `(METHOD, /path)` of every operation in an OpenAPI document.
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations.sort();
    operations
}

#[tokio::test]
async fn the_openapi_document_is_served_at_the_root_and_under_v1() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    let document = json_of(response).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert!(operations(&document).contains(&("POST".to_owned(), "/orders".to_owned())));
    assert_eq!(json_of(app.get("/v1/openapi.json").await).await, document);
}

/// Where Debian's Chromium is: `CHROMIUM` when set, else `chromium` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
            .find(|candidate| candidate.is_file())
    })
}

/// The page's DOM once its scripts have run, from headless Chromium with a fresh profile and no traffic of
/// its own (no component updates, sync or background requests).
fn rendered_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = tempfile::tempdir().expect("a temporary profile directory");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut dom).map(|_| dom)
    });
    loop {
        match child.try_wait().expect("chromium can be waited for") {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish rendering {url} in time");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader
        .join()
        .expect("the reader thread finishes")
        .expect("chromium prints the DOM")
}

/// `(METHOD, /path)` of every operation block Swagger UI rendered.
fn rendered_operations(dom: &str) -> Vec<(String, String)> {
    let mut operations: Vec<(String, String)> = dom
        .split("opblock-summary-method\">")
        .skip(1)
        .filter_map(|block| {
            let method = block.split('<').next()?;
            let path = block.split("data-path=\"").nth(1)?.split('"').next()?;
            Some((method.to_owned(), path.replace("&amp;", "&")))
        })
        .collect();
    operations.sort();
    operations.dedup();
    operations
}

#[tokio::test]
async fn the_docs_page_renders_every_operation_in_a_headless_browser() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs chromium (apt-get install chromium; .ci/run installs it)"
        );
        eprintln!("skipped: no chromium on the PATH (apt-get install chromium)");
        return;
    };
    let app = spawn_app().await;
    let document = json_of(app.get("/openapi.json").await).await;
    let url = app.url("/docs/");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&chromium, &url))
        .await
        .expect("the browser task finishes");

    assert!(dom.contains("swagger-ui"), "not Swagger UI: {dom:.2000}");
    assert!(
        !dom.contains("errors-wrapper"),
        "Swagger UI reports errors in the document"
    );
    assert!(
        dom.contains("Order service"),
        "the document's title is shown"
    );
    assert_eq!(rendered_operations(&dom), operations(&document));
}
