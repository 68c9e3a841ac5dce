//! Nonce store tests: the memory window (once per key, expiry, the bound, fail closed when
//! full), and the Redis store against a real `redis-server` started on a free loopback port.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

const WINDOW: Duration = Duration::from_secs(900);

#[test]
fn memory_accepts_a_nonce_once_per_scope() {
    let m = MemoryNonces::new(10);
    let now = Instant::now();
    assert_eq!(m.claim(Scope::Gateway, "AK", "n", WINDOW, now), Ok(true));
    assert_eq!(m.claim(Scope::Api, "AK", "n", WINDOW, now), Ok(true));
    assert_eq!(m.claim(Scope::Gateway, "AK", "n", WINDOW, now), Ok(false));
    assert_eq!(m.claim(Scope::Api, "AK", "n", WINDOW, now), Ok(false));
}

#[test]
fn memory_accepts_a_nonce_once_per_key() {
    let m = MemoryNonces::new(10);
    let now = Instant::now();
    assert_eq!(m.claim(Scope::Api, "AK1", "n", WINDOW, now), Ok(true));
    assert_eq!(m.claim(Scope::Api, "AK1", "n", WINDOW, now), Ok(false));
    assert_eq!(m.claim(Scope::Api, "AK2", "n", WINDOW, now), Ok(true));
    // Key id and nonce do not run together: ("AK1", "1n") is not ("AK11", "n").
    assert_eq!(m.claim(Scope::Api, "AK11", "n", WINDOW, now), Ok(true));
    assert_eq!(m.claim(Scope::Api, "AK1", "1n", WINDOW, now), Ok(true));
}

#[test]
fn memory_accepts_a_nonce_again_after_its_window() {
    let m = MemoryNonces::new(10);
    let now = Instant::now();
    let window = Duration::from_secs(60);
    assert_eq!(m.claim(Scope::Api, "AK", "n", window, now), Ok(true));
    assert_eq!(
        m.claim(
            Scope::Api,
            "AK",
            "n",
            window,
            now + window - Duration::from_millis(1)
        ),
        Ok(false)
    );
    assert_eq!(
        m.claim(Scope::Api, "AK", "n", window, now + window),
        Ok(true)
    );
    assert_eq!(
        m.claim(
            Scope::Api,
            "AK",
            "n",
            window,
            now + window + Duration::from_secs(1)
        ),
        Ok(false)
    );
}

#[test]
fn memory_full_of_live_nonces_fails_closed() {
    let m = MemoryNonces::new(3);
    let now = Instant::now();
    for n in ["a", "b", "c"] {
        assert_eq!(m.claim(Scope::Api, "AK", n, WINDOW, now), Ok(true));
    }
    assert_eq!(
        m.claim(Scope::Api, "AK", "d", WINDOW, now),
        Err(NonceError::Full { max_entries: 3 })
    );
    // A replay is still recognised when full.
    assert_eq!(m.claim(Scope::Api, "AK", "a", WINDOW, now), Ok(false));
    // Expired entries make room.
    let later = now + WINDOW;
    assert_eq!(m.claim(Scope::Api, "AK", "d", WINDOW, later), Ok(true));
    assert_eq!(m.len(), 1);
}

#[test]
fn memory_evicts_the_earliest_expiry_first() {
    let m = MemoryNonces::new(2);
    let now = Instant::now();
    assert_eq!(
        m.claim(Scope::Api, "AK", "long", Duration::from_secs(100), now),
        Ok(true)
    );
    assert_eq!(
        m.claim(Scope::Api, "AK", "short", Duration::from_secs(10), now),
        Ok(true)
    );
    let at = now + Duration::from_secs(10);
    assert_eq!(m.claim(Scope::Api, "AK", "new", WINDOW, at), Ok(true));
    // `long` is still in its window.
    assert_eq!(m.claim(Scope::Api, "AK", "long", WINDOW, at), Ok(false));
}

#[test]
fn zero_means_the_default_bound() {
    assert_eq!(MemoryNonces::new(0).max_entries, DEFAULT_MAX_ENTRIES);
}

#[test]
fn password_is_kept_out_of_shown_urls() {
    assert_eq!(
        without_password("redis://u:pw@h:1/0"),
        "redis://u:***@h:1/0"
    );
    assert_eq!(without_password("redis://:pw@h:1"), "redis://:***@h:1");
    assert_eq!(without_password("redis://h:1"), "redis://h:1");
}

#[test]
fn an_invalid_redis_url_is_an_error() {
    let runtime = runtime();
    let e = runtime
        .block_on(NonceStore::redis("http://:secret@example"))
        .expect_err("not redis");
    assert!(matches!(e, NonceError::InvalidUrl { .. }), "{e:?}");
    assert!(!e.to_string().contains("secret"), "{e}");
}

/// A `redis-server` on a free loopback port, killed when dropped.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (install Debian `redis-server`)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn redis_refuses_a_second_claim_and_shares_the_window_between_stores() {
    let server = RedisServer::start();
    runtime().block_on(async {
        let one = NonceStore::redis(&server.url()).await.expect("url");
        let two = NonceStore::redis(&server.url()).await.expect("url");
        assert_eq!(one.claim(Scope::Api, "AK", "n-1", WINDOW).await, Ok(true));
        assert_eq!(one.claim(Scope::Api, "AK", "n-1", WINDOW).await, Ok(false));
        // Another replica on the same server sees the same window.
        assert_eq!(two.claim(Scope::Api, "AK", "n-1", WINDOW).await, Ok(false));
        assert_eq!(two.claim(Scope::Api, "AK", "n-2", WINDOW).await, Ok(true));
        assert_eq!(one.claim(Scope::Api, "AK", "n-2", WINDOW).await, Ok(false));
        assert_eq!(
            one.claim(Scope::Api, "AK-other", "n-1", WINDOW).await,
            Ok(true)
        );
        // The gateway's check has a window of its own (see the module docs).
        assert_eq!(
            two.claim(Scope::Gateway, "AK", "n-1", WINDOW).await,
            Ok(true)
        );
        assert_eq!(
            one.claim(Scope::Gateway, "AK", "n-1", WINDOW).await,
            Ok(false)
        );
    });
}

#[test]
fn redis_claims_expire_with_the_window() {
    let server = RedisServer::start();
    runtime().block_on(async {
        let store = NonceStore::redis(&server.url()).await.expect("url");
        assert_eq!(
            store
                .claim(Scope::Api, "AK", "n", Duration::from_secs(1))
                .await,
            Ok(true)
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            store
                .claim(Scope::Api, "AK", "n", Duration::from_secs(1))
                .await,
            Ok(true)
        );
    });
}

#[test]
fn redis_down_is_an_error_never_a_first_use() {
    let mut server = RedisServer::start();
    runtime().block_on(async {
        let store = NonceStore::redis(&server.url()).await.expect("url");
        assert_eq!(store.claim(Scope::Api, "AK", "n-1", WINDOW).await, Ok(true));
        server.stop();
        for nonce in ["n-1", "n-2"] {
            let started = Instant::now();
            let result = store.claim(Scope::Api, "AK", nonce, WINDOW).await;
            assert!(result.is_err(), "{nonce}: {result:?}");
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "bounded by the timeout"
            );
        }
    });
}

#[test]
fn redis_not_up_yet_is_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    runtime().block_on(async {
        let store = NonceStore::redis(&format!("redis://127.0.0.1:{port}"))
            .await
            .expect("connects lazily");
        assert!(store.claim(Scope::Api, "AK", "n", WINDOW).await.is_err());
    });
}
