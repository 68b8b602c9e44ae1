//! Identifier and ARN formats, as AWS writes them.

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT: &str = "000000000000";

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `d-` followed by nine characters of `[A-Z0-9]`, drawn from `bits`.
pub fn deployment_id(mut bits: u64) -> String {
    let mut id = String::with_capacity(11);
    id.push_str("d-");
    for _ in 0..9 {
        id.push(ID_ALPHABET[(bits % 36) as usize] as char);
        bits /= 36;
    }
    id
}

pub fn is_deployment_id(s: &str) -> bool {
    s.len() == 11
        && s.starts_with("d-")
        && s[2..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A version-4-shaped UUID built from 128 deterministic bits.
pub fn uuid_from(hi: u64, lo: u64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// An EC2 instance ID, `i-` + 17 hex digits.
pub fn ec2_instance_id(bits: u64) -> String {
    format!("i-{:017x}", bits & 0x0fff_ffff_ffff_ffff)
}

pub struct Arns<'a> {
    pub region: &'a str,
    pub account: &'a str,
}

impl Arns<'_> {
    pub fn application(&self, app: &str) -> String {
        format!(
            "arn:aws:codedeploy:{}:{}:application:{app}",
            self.region, self.account
        )
    }
    pub fn deployment_group(&self, app: &str, group: &str) -> String {
        format!(
            "arn:aws:codedeploy:{}:{}:deploymentgroup:{app}/{group}",
            self.region, self.account
        )
    }
    pub fn deployment_config(&self, name: &str) -> String {
        format!(
            "arn:aws:codedeploy:{}:{}:deploymentconfig:{name}",
            self.region, self.account
        )
    }
    pub fn on_premises_instance(&self, name: &str) -> String {
        format!(
            "arn:aws:codedeploy:{}:{}:instance/{name}",
            self.region, self.account
        )
    }
    pub fn ec2_instance(&self, id: &str) -> String {
        format!("arn:aws:ec2:{}:{}:instance/{id}", self.region, self.account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ids_have_the_aws_shape() {
        for bits in [0u64, 1, 42, u64::MAX, 0xdead_beef] {
            let id = deployment_id(bits);
            assert!(is_deployment_id(&id), "{id}");
        }
        assert!(!is_deployment_id("d-abc"));
        assert!(!is_deployment_id("d-abcdefghi"));
        assert!(!is_deployment_id("x-ABCDEFGHI"));
    }

    #[test]
    fn uuids_parse() {
        let u = uuid_from(1, 2);
        assert!(uuid::Uuid::parse_str(&u).is_ok());
    }
}
