//! `/metrics` with hyper 1: `cargo run --manifest-path examples/frameworks/Cargo.toml --bin hyper`

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderValue, ACCEPT, ACCEPT_ENCODING, ALLOW, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE,
    VARY,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use otel_expfmt::{negotiate, negotiate_encoding, Config, PrometheusReader};

fn metrics(reader: &PrometheusReader, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, body: Bytes| {
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        response
    };
    if req.uri().path() != "/metrics" {
        return reply(StatusCode::NOT_FOUND, Bytes::new());
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        // As the other servers answer: only reads.
        let mut response = reply(StatusCode::METHOD_NOT_ALLOWED, Bytes::new());
        let allow = HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(ALLOW, allow);
        return response;
    }
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    // Format from `Accept`; gzip when built with the `gzip` feature and accepted.
    let negotiated =
        negotiate(header(ACCEPT)).with_encoding(negotiate_encoding(header(ACCEPT_ENCODING)));
    let result = if req.method() == Method::HEAD {
        // Only the length: `scrape` lends the reader-owned buffer, nothing is copied.
        reader.scrape(negotiated, |body| (body.len(), Bytes::new()))
    } else {
        let mut body = Vec::new();
        reader
            .encode_negotiated(negotiated, &mut body)
            .map(|_stats| (body.len(), Bytes::from(body)))
    };
    match result {
        Ok((len, body)) => {
            let mut response = reply(StatusCode::OK, body);
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static(negotiated.content_type()),
            );
            headers.insert(CONTENT_LENGTH, len.into());
            headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
            if let Some(coding) = negotiated.content_encoding() {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            response
        }
        Err(e) => reply(StatusCode::SERVICE_UNAVAILABLE, Bytes::from(e.to_string())),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let reader = PrometheusReader::new(Config::default());
    let provider = SdkMeterProvider::builder()
        .with_reader(reader.clone())
        .build();
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
    loop {
        let (stream, _) = listener.accept().await?;
        let reader = reader.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let reader = reader.clone();
                // Collecting runs observable callbacks: keep it off the async workers.
                async move {
                    let response = tokio::task::spawn_blocking(move || metrics(&reader, &req))
                        .await
                        .unwrap_or_else(|_| {
                            let mut response = Response::new(Full::new(Bytes::new()));
                            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                            response
                        });
                    Ok::<_, Infallible>(response)
                }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {e}");
            }
        });
    }
}
