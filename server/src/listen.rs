//! The accept loop. axum's own `serve` has no header read timeout, so a client that opens
//! connections and sends nothing (or a header a byte a minute) would hold them for ever;
//! here every connection must send its request head within the configured time, and an idle
//! keep-alive connection is closed after the same time.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Service;

/// HTTP connections open at once (an upgraded WebSocket leaves the count: its task lives on
/// and is bounded by the push hub, not by this).
pub const MAX_CONNECTIONS: usize = 20_000;

/// Serves `app` on `listener` until `shutdown` is cancelled, then waits (at most 30 s) for
/// the requests in flight. WebSocket connections close themselves on the same token.
pub async fn serve(listener: TcpListener, app: Router, shutdown: CancellationToken, header_timeout: Duration) -> std::io::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let connections = tokio_util::task::TaskTracker::new();
    // HTTP/1.1 only: TLS and HTTP/2 end at the reverse proxy in front (see the README).
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    // Each connection holds a permit: past the cap, new connections wait in the kernel's
    // backlog instead of exhausting file descriptors and memory.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(service) = make_service.call(remote).await;
        let mut conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)).with_upgrades();
        let stop = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            let ended = tokio::select! {
                r = &mut conn => r,
                _ = stop.cancelled() => {
                    // Finish the request in flight, then close (keep-alive ends here).
                    std::pin::Pin::new(&mut conn).graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(Duration::from_secs(30), connections.wait()).await.is_err() {
        tracing::warn!("connections still open after 30 s; stopping anyway");
    }
    Ok(())
}
