//! Which addresses the server may connect to on its own (the language model endpoint, an S3
//! endpoint): by default only public ones. A url whose host is — or resolves to — a loopback,
//! private, link-local, shared (CGNAT), unspecified, multicast, reserved or documentation
//! address, including such an IPv4 address disguised as a decimal, octal or hex number or
//! embedded in an IPv6 one (mapped, compatible, NAT64, 6to4), is refused before any
//! connection, unless the operator allowed that host or network (`outbound_allow`).
//!
//! It lives in this crate because every other crate (the blob stores, the search's model
//! client, the api's start-up) shares it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

use crate::{Error, Result};

/// The setting that allows more, named in refusals.
const ALLOW_SETTING: &str = "outbound_allow (RSDK_OUTBOUND_ALLOW)";

/// Hosts and networks the operator allows besides public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    hosts: Vec<String>,
    networks: Vec<(IpAddr, u8)>,
}

impl OutboundPolicy {
    /// Parses a comma-separated list of host names, addresses and networks (CIDR), e.g.
    /// `minio.internal, 10.0.0.0/8, 127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self> {
        let mut policy = Self::default();
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let (address, bits) = match item.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (item, None),
            };
            match address.parse::<IpAddr>() {
                Ok(ip) => {
                    let most = if ip.is_ipv4() { 32 } else { 128 };
                    let bits = match bits {
                        Some(bits) => {
                            bits.parse::<u8>()
                                .ok()
                                .filter(|bits| *bits <= most)
                                .ok_or_else(|| {
                                    invalid_entry(item, &format!("the prefix length must be 0 to {most}"))
                                })?
                        }
                        None => most,
                    };
                    policy.networks.push((ip, bits));
                }
                Err(_) if bits.is_some() => {
                    return Err(invalid_entry(item, "a network must be an IP address/bits"))
                }
                Err(_) if is_host_name(&normalize_host(address)) => {
                    policy.hosts.push(normalize_host(address))
                }
                Err(_) => return Err(invalid_entry(item, "not a host name, an IP address or a network")),
            }
        }
        Ok(policy)
    }

    /// Policy that allows every address (for tests that talk to loopback servers).
    pub fn allow_all() -> Self {
        Self {
            hosts: Vec::new(),
            networks: vec![
                (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
            ],
        }
    }

    /// Checks `url` (named by `setting` in the error): an http(s) url whose host, and every
    /// address it resolves to, is public or allowed. Resolves names: blocking.
    pub fn check_url(&self, setting: &str, url: &str) -> Result<()> {
        let parsed = url::Url::parse(url)
            .map_err(|error| Error::invalid(setting, format!("{url:?} is not a url: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::invalid(
                setting,
                format!("{url:?} must be an http:// or https:// url"),
            ));
        }
        let port = parsed.port_or_known_default().unwrap_or(443);
        let (host, addresses): (String, Vec<IpAddr>) = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => (ip.to_string(), vec![IpAddr::V4(ip)]),
            Some(url::Host::Ipv6(ip)) => (ip.to_string(), vec![IpAddr::V6(ip)]),
            Some(url::Host::Domain(name)) => {
                let name = normalize_host(name);
                if self.hosts.contains(&name) {
                    return Ok(());
                }
                let resolved = (name.as_str(), port)
                    .to_socket_addrs()
                    .map_err(|error| {
                        Error::Unavailable(format!("{setting}: cannot resolve {name}: {error}"))
                    })?
                    .map(|address| address.ip())
                    .collect();
                (name, resolved)
            }
            None => return Err(Error::invalid(setting, format!("{url:?} has no host"))),
        };
        for ip in addresses {
            if let Some(kind) = non_public(ip) {
                if !self.allows(ip) {
                    let what = match host == ip.to_string() {
                        true => format!("{host} is a {kind} address"),
                        false => format!("{host} is {ip}, a {kind} address"),
                    };
                    return Err(Error::invalid(
                        setting,
                        format!("{what}: the server does not connect to it unless {ALLOW_SETTING} lists it"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks
            .iter()
            .any(|(network, bits)| contains(canonical(*network), *bits, ip))
    }
}

fn invalid_entry(item: &str, reason: &str) -> Error {
    Error::invalid("outbound_allow", format!("{item:?}: {reason}"))
}

fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) as that IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_ipv4(v6).map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = ip.segments();
    let octets = ip.octets();
    let tail = Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, not :: or ::1).
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, high, _] if high != 0 => Some(tail),
        // 64:ff9b::a.b.c.d (NAT64).
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        // 2002:AABB:CCDD::/48 (6to4).
        [0x2002, ..] => Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5])),
        _ => None,
    }
}

fn contains(network: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (network, ip) {
        (IpAddr::V4(network), IpAddr::V4(ip)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(network) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(ip)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(network) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

/// What kind of non-public address `ip` is, or `None` for a public one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    const V4: &[(Ipv4Addr, u8, &str)] = &[
        (Ipv4Addr::new(0, 0, 0, 0), 8, "unspecified"),
        (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
        (Ipv4Addr::new(100, 64, 0, 0), 10, "shared (CGNAT)"),
        (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
        (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
        (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
        (Ipv4Addr::new(192, 0, 0, 0), 24, "protocol-assignment"),
        (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
        (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
        (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
        (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
        (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
        (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
        (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
    ];
    const V6: &[(Ipv6Addr, u8, &str)] = &[
        (Ipv6Addr::UNSPECIFIED, 128, "unspecified"),
        (Ipv6Addr::LOCALHOST, 128, "loopback"),
        (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard"),
        (
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
            32,
            "documentation",
        ),
        (
            Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
            7,
            "unique-local (private)",
        ),
        (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
        (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local"),
        (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
    ];
    match canonical(ip) {
        IpAddr::V4(v4) => V4
            .iter()
            .find(|(network, bits, _)| contains(IpAddr::V4(*network), *bits, IpAddr::V4(v4)))
            .map(|(_, _, kind)| *kind),
        IpAddr::V6(v6) => V6
            .iter()
            .find(|(network, bits, _)| contains(IpAddr::V6(*network), *bits, IpAddr::V6(v6)))
            .map(|(_, _, kind)| *kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loopback, private, link-local and metadata addresses, plainly and disguised.
    const REFUSED: &[&str] = &[
        "http://127.0.0.1/v1",
        "http://127.1/v1",
        "http://2130706433/v1",
        "http://0x7f000001/v1",
        "http://0177.0.0.1/v1",
        "http://0x7f.0.0.1/v1",
        "http://%31%32%37.0.0.1/v1",
        "http://localhost/v1",
        "http://LOCALHOST./v1",
        "http://user:pass@127.0.0.1:8080/v1",
        "http://[::1]/v1",
        "http://[::ffff:127.0.0.1]/v1",
        "http://[::ffff:7f00:1]/v1",
        "http://[::127.0.0.1]/v1",
        "http://[64:ff9b::a9fe:a9fe]/v1",
        "http://[2002:a9fe:a9fe::1]/v1",
        "http://[fe80::1]/v1",
        "http://[fd00::1]/v1",
        "http://0.0.0.0/v1",
        "http://0/v1",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/v1",
        "http://172.16.5.4/v1",
        "http://172.31.255.255/v1",
        "http://192.168.1.1/v1",
        "http://100.64.0.1/v1",
        "http://198.18.0.1/v1",
        "http://224.0.0.1/v1",
        "http://255.255.255.255/v1",
        "https://192.0.2.10/v1",
    ];

    #[test]
    fn loopback_private_link_local_and_disguised_addresses_are_refused_before_connecting() {
        let policy = OutboundPolicy::default();
        for url in REFUSED {
            let error = policy.check_url("ask_model_url", url).expect_err(url);
            let message = error.to_string();
            assert!(message.starts_with("ask_model_url: "), "{url}: {message}");
            assert!(message.contains("RSDK_OUTBOUND_ALLOW"), "{url}: {message}");
        }
    }

    #[test]
    fn public_addresses_pass_and_other_schemes_are_refused() {
        let policy = OutboundPolicy::default();
        for url in [
            "https://8.8.8.8/v1",
            "http://[2606:4700::1111]/v1",
            "https://172.32.0.1/v1",
            "http://100.128.0.1/",
        ] {
            policy
                .check_url("ask_model_url", url)
                .unwrap_or_else(|error| panic!("{url}: {error}"));
        }
        for url in ["file:///etc/passwd", "gopher://8.8.8.8/", "ftp://8.8.8.8/"] {
            let error = policy.check_url("ask_model_url", url).expect_err(url).to_string();
            assert!(error.contains("http:// or https://"), "{url}: {error}");
        }
    }

    #[test]
    fn an_operator_allows_hosts_and_networks_by_name_or_cidr() {
        let policy = OutboundPolicy::parse("127.0.0.1, 10.0.0.0/8 , localhost., fd00::/8").expect("a list");
        for url in [
            "http://127.0.0.1:9000/",
            "http://10.9.8.7/",
            "http://localhost/",
            "http://[fd00::5]/",
            "http://[::ffff:10.1.1.1]/",
        ] {
            policy
                .check_url("s3 endpoint", url)
                .unwrap_or_else(|error| panic!("{url}: {error}"));
        }
        assert!(policy.check_url("s3 endpoint", "http://192.168.0.1/").is_err());
        assert!(policy.check_url("s3 endpoint", "http://127.0.0.2/").is_err());
        for (list, reason) in [
            ("10.0.0.0/33", "0 to 32"),
            ("exa mple", "not a host name"),
            ("name/8", "IP address/bits"),
        ] {
            let error = OutboundPolicy::parse(list).expect_err(list).to_string();
            assert!(
                error.starts_with("outbound_allow: ") && error.contains(reason),
                "{list}: {error}"
            );
        }
    }
}
