//! Who is at the other end of the connection: the client's IP address, as the throttles count it.
//!
//! The address is the socket's peer, unless the peer is one of the configured trusted reverse proxies
//! (`--trusted-proxy`); then it is the right-most address in `X-Forwarded-For` that is not itself a
//! trusted proxy (the left-hand entries are whatever the client wrote and prove nothing). Without
//! trusted proxies the header is ignored, so a client cannot pick the address it is counted under.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address, put into the request's extensions by the router's
/// [`crate::http::client_address`] layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Parses a trusted proxy as configured: an address (`10.0.0.1`) or a network (`10.0.0.0/8`).
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("not an IP address or network: {text}"))
}

/// The client's address for a connection from `peer` with these `X-Forwarded-For` header values.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rev();
    let mut client = peer;
    for hop in hops {
        match hop.parse::<IpAddr>() {
            Ok(address) if is_trusted(&address) => client = address,
            Ok(address) => return address,
            // Garbage in the chain: the last trusted hop is the best we know.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(
            client_ip(ip("192.0.2.1"), &["203.0.113.9"], &[]),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client() {
        let trusted = [parse_trusted_proxy("10.0.0.0/8").unwrap()];
        // The client claims 1.1.1.1; the proxy appended the address it saw.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["1.1.1.1, 203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
        // Two proxies of ours in a row.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["203.0.113.9", "10.0.0.3"], &trusted),
            ip("203.0.113.9")
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        // Garbage: the last trusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["nonsense"], &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn a_single_address_is_a_trusted_proxy_too() {
        assert_eq!(
            parse_trusted_proxy("127.0.0.1").unwrap(),
            "127.0.0.1/32".parse::<IpNet>().unwrap()
        );
        assert!(parse_trusted_proxy("proxy.example").is_err());
    }
}
