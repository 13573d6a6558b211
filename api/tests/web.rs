//! The web UI's files through the real server: the app at `/`, its assets with their types,
//! `index.html` for the app's own URLs, the API's JSON 404 for unknown API paths, nothing
//! outside the directory, and a page that says how to build the UI when it is missing.

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_app_is_served_with_its_urls_and_nothing_outside_its_directory() {
    let root = tempfile::tempdir().expect("temp dir");
    let dist = root.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).expect("dirs");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><div id=\"root\">rsdk app</div>",
    )
    .expect("index");
    std::fs::write(dist.join("assets/app.js"), "console.log('rsdk')").expect("asset");
    std::fs::write(root.path().join("secret.txt"), "outside the web directory").expect("secret");
    let server = support::start_with(|config| config.web_dir = Some(dist.clone())).await;

    let get = |path: &str| {
        let url = format!("{}{path}", server.url);
        let client = server.anonymous.clone();
        async move {
            let response = client.get(url).send().await.expect("sent");
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, kind, response.text().await.expect("a body"))
        }
    };
    let (status, kind, body) = get("/").await;
    assert_eq!((status, body.contains("rsdk app")), (200, true), "{kind}");
    assert!(kind.starts_with("text/html"), "{kind}");
    let (status, kind, body) = get("/assets/app.js").await;
    assert_eq!(status, 200);
    assert!(kind.contains("javascript"), "{kind}");
    assert!(body.contains("console.log"));
    let (status, _, body) = get("/p/vision/e/12").await;
    assert_eq!(status, 200);
    assert!(body.contains("rsdk app"), "the app's own URLs open the app");

    let (status, kind, body) = get("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert!(kind.starts_with("application/json"), "{kind}");
    assert!(body.contains("NOT_FOUND"), "{body}");
    let (status, _, body) = get("/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ok"),
        "routes still win over the app"
    );

    for path in [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
    ] {
        let (_, _, body) = get(path).await;
        assert!(
            !body.contains("outside the web directory"),
            "{path} escaped the web directory"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_build_is_explained_and_the_api_still_answers() {
    let empty = tempfile::tempdir().expect("temp dir");
    let server = support::start_with(|config| config.web_dir = Some(empty.path().join("dist"))).await;
    let response = server
        .anonymous
        .get(format!("{}/", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
    let page = response.text().await.expect("a page");
    assert!(page.contains("make web"), "{page}");
    let health = server
        .anonymous
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
}
