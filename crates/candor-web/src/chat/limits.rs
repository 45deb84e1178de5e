//! What each node keeps in memory for the chat: open sockets per client
//! address, each visitor's message allowance (a token bucket), and each
//! workspace's availability for a few seconds (every socket asks for it).

use candor_app::chat::ChatAvailability;
use candor_core::WorkspaceId;
use candor_core::chat::RateBucket;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Open chat sockets allowed from one address by default.
pub const DEFAULT_SOCKETS_PER_IP: usize = 50;
/// How long a workspace's availability is kept.
const AVAILABILITY_TTL: Duration = Duration::from_secs(10);
/// Buckets kept before full ones are forgotten.
const MAX_BUCKETS: usize = 10_000;

/// The node's chat limits, cheap to clone.
#[derive(Clone, Debug)]
pub struct ChatLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    per_ip: AtomicUsize,
    sockets: Mutex<HashMap<IpAddr, usize>>,
    buckets: Mutex<HashMap<(WorkspaceId, String), RateBucket>>,
    availability: Mutex<HashMap<WorkspaceId, (Instant, ChatAvailability)>>,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self::new(DEFAULT_SOCKETS_PER_IP)
    }
}

/// An open socket's place in the count; frees it when dropped.
#[derive(Debug)]
pub struct SocketSlot {
    limits: ChatLimits,
    ip: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.limits.inner.sockets.lock()
            && let Some(n) = m.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

impl ChatLimits {
    /// Limits allowing `per_ip` open sockets from one address.
    pub fn new(per_ip: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                started: Instant::now(),
                per_ip: AtomicUsize::new(per_ip.max(1)),
                sockets: Mutex::default(),
                buckets: Mutex::default(),
                availability: Mutex::default(),
            }),
        }
    }

    /// Changes how many sockets one address may hold.
    pub fn set_sockets_per_ip(&self, n: usize) {
        self.inner.per_ip.store(n.max(1), Ordering::Relaxed);
    }

    /// A place for a new socket from `ip`, unless it holds the most already.
    pub fn open_socket(&self, ip: IpAddr) -> Option<SocketSlot> {
        let mut m = self.inner.sockets.lock().ok()?;
        let n = m.entry(ip).or_insert(0);
        if *n >= self.inner.per_ip.load(Ordering::Relaxed) {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            limits: self.clone(),
            ip,
        })
    }

    /// Takes one message from the visitor's allowance (shared by their sockets on this node).
    pub fn allow_message(&self, ws: WorkspaceId, thread: &str) -> bool {
        let now = self.inner.started.elapsed().as_micros() as i64;
        let Ok(mut m) = self.inner.buckets.lock() else {
            return false;
        };
        if m.len() >= MAX_BUCKETS {
            m.retain(|_, b| !b.is_full(now));
        }
        m.entry((ws, thread.to_string()))
            .or_insert_with(|| RateBucket::new(now))
            .take(now)
    }

    /// The workspace's availability if it was worked out in the last few seconds.
    pub fn availability(&self, ws: WorkspaceId) -> Option<ChatAvailability> {
        let m = self.inner.availability.lock().ok()?;
        m.get(&ws)
            .filter(|(at, _)| at.elapsed() < AVAILABILITY_TTL)
            .map(|(_, a)| a.clone())
    }

    /// Keeps a workspace's availability for a few seconds.
    pub fn keep_availability(&self, ws: WorkspaceId, a: &ChatAvailability) {
        if let Ok(mut m) = self.inner.availability.lock() {
            m.insert(ws, (Instant::now(), a.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_per_address_are_counted_and_freed() {
        let l = ChatLimits::new(2);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let a = l.open_socket(ip).unwrap();
        let _b = l.open_socket(ip).unwrap();
        assert!(l.open_socket(ip).is_none());
        assert!(l.open_socket("127.0.0.2".parse().unwrap()).is_some());
        drop(a);
        assert!(l.open_socket(ip).is_some());
    }
}
