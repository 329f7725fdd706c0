//! `/metrics` with axum: `cargo run --manifest-path examples/frameworks/Cargo.toml --bin axum`

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use otel_expfmt::{negotiate, Config, PrometheusReader};

// README snippet: start
async fn metrics(State(reader): State<PrometheusReader>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let negotiated = negotiate(accept);
    // Collecting runs observable callbacks: keep it off the async workers.
    let encoded = tokio::task::spawn_blocking(move || {
        let mut body = Vec::new();
        reader
            .encode_negotiated(negotiated, &mut body)
            .map(|_stats| body)
    })
    .await;
    match encoded {
        // The Vec becomes the response body as it is, without a copy.
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, negotiated.content_type())], body).into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let reader = PrometheusReader::new(Config::default());
    let provider = SdkMeterProvider::builder()
        .with_reader(reader.clone())
        .build();
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(reader);
    // README snippet: end

    provider
        .meter("demo")
        .u64_counter("demo.started")
        .build()
        .add(1, &[]);
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9464".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("serving http://{}/metrics", listener.local_addr()?);
    axum::serve(listener, app).await
}
