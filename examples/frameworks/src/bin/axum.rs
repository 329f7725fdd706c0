//! `/metrics` with axum: `cargo run --manifest-path examples/frameworks/Cargo.toml --bin axum`

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use otel_expfmt::{negotiate, negotiate_encoding, Config, PrometheusReader};

// README snippet: start
async fn metrics(State(reader): State<PrometheusReader>, headers: HeaderMap) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    // Format from `Accept`; gzip when built with the `gzip` feature and accepted.
    let negotiated = negotiate(header(header::ACCEPT))
        .with_encoding(negotiate_encoding(header(header::ACCEPT_ENCODING)));
    // Collecting runs observable callbacks and compressing takes milliseconds:
    // keep both off the async workers.
    let encoded = tokio::task::spawn_blocking(move || {
        let mut body = Vec::new();
        reader
            .encode_negotiated(negotiated, &mut body)
            .map(|_stats| body)
    })
    .await;
    match encoded {
        Ok(Ok(body)) => {
            let fixed_headers = [
                (header::CONTENT_TYPE, negotiated.content_type()),
                (header::VARY, "Accept, Accept-Encoding"),
            ];
            // The Vec becomes the response body as it is, without a copy.
            let mut response = (fixed_headers, body).into_response();
            if let Some(coding) = negotiated.content_encoding() {
                let coding = HeaderValue::from_static(coding);
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, coding);
            }
            response
        }
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
