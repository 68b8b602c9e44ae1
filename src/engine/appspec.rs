//! AppSpec files for Lambda and ECS deployments (reference §13.6), in YAML or
//! JSON. Keys are matched case-insensitively: the reference page writes them
//! lower-case while every example uses PascalCase.

use serde_norway::Value;

use crate::model::lifecycle_event::{names, LifecycleEventName};
pub use crate::model::lifecycle_event::{ECS_HOOKS, LAMBDA_HOOKS};

/// A parsed Lambda appspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaSpec {
    pub name: String,
    pub alias: String,
    pub current_version: String,
    pub target_version: String,
    /// (lifecycle event, hook function name), in file order.
    pub hooks: Vec<(String, String)>,
}

/// A parsed ECS appspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsSpec {
    pub task_definition: String,
    pub container_name: String,
    pub container_port: i64,
    pub platform_version: String,
    pub hooks: Vec<(String, String)>,
}

/// Parses the text of an appspec into a YAML value (JSON is YAML too).
fn document(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Err("the AppSpec file is empty".into());
    }
    let value: Value = serde_norway::from_str(text)
        .map_err(|e| format!("the AppSpec file is not valid YAML or JSON: {e}"))?;
    match value {
        Value::Mapping(_) => Ok(value),
        _ => Err("the AppSpec file must be a mapping with version, Resources and Hooks".into()),
    }
}

/// A member of a mapping, with the key matched case-insensitively.
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let Value::Mapping(m) = v else { return None };
    m.iter().find_map(|(k, v)| match k {
        Value::String(s) if s.eq_ignore_ascii_case(key) => Some(v),
        _ => None,
    })
}

/// A scalar as text: strings, and numbers written without quotes.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required(v: &Value, key: &str, within: &str) -> Result<String, String> {
    get(v, key)
        .and_then(scalar)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("{within} needs {key}"))
}

fn check_version(doc: &Value) -> Result<(), String> {
    match get(doc, "version").and_then(scalar) {
        Some(v) if v == "0.0" || v == "0" => Ok(()),
        Some(v) => Err(format!("version must be 0.0, not {v}")),
        None => Err("the AppSpec file needs version: 0.0".into()),
    }
}

/// The single resource of the appspec: (logical name, its body).
fn single_resource(doc: &Value) -> Result<(String, &Value), String> {
    let Some(Value::Sequence(items)) = get(doc, "Resources") else {
        return Err("Resources must be a list with one resource".into());
    };
    let [item] = items.as_slice() else {
        return Err(format!(
            "Resources must hold exactly one resource, not {}",
            items.len()
        ));
    };
    let Value::Mapping(m) = item else {
        return Err("each entry of Resources must be a mapping <name>: {Type, Properties}".into());
    };
    let mut entries = m.iter();
    match (entries.next(), entries.next()) {
        (Some((Value::String(name), body)), None) => Ok((name.clone(), body)),
        _ => Err(
            "each entry of Resources must be a single mapping <name>: {Type, Properties}".into(),
        ),
    }
}

fn check_type(body: &Value, name: &str, expected: &str) -> Result<(), String> {
    match get(body, "Type").and_then(scalar) {
        Some(t) if t.eq_ignore_ascii_case(expected) => Ok(()),
        Some(t) => Err(format!("resource {name} has Type {t}; expected {expected}")),
        None => Err(format!("resource {name} needs Type: {expected}")),
    }
}

fn hooks(doc: &Value, allowed: &[LifecycleEventName]) -> Result<Vec<(String, String)>, String> {
    let Some(list) = get(doc, "Hooks") else {
        return Ok(vec![]);
    };
    let Value::Sequence(items) = list else {
        return Err("Hooks must be a list of <event>: <function> entries".into());
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for item in items {
        let Value::Mapping(m) = item else {
            return Err("each entry of Hooks must be <event>: <function>".into());
        };
        for (k, v) in m {
            let key = scalar(k).unwrap_or_default();
            let Some(event) = allowed
                .iter()
                .map(|e| e.as_str())
                .find(|e| e.eq_ignore_ascii_case(&key))
            else {
                return Err(format!(
                    "{key} is not a hookable lifecycle event here (use {})",
                    names(allowed)
                ));
            };
            let Some(function) = scalar(v).filter(|f| !f.trim().is_empty()) else {
                return Err(format!("hook {event} needs a function name"));
            };
            if out.iter().any(|(e, _)| e == event) {
                return Err(format!("hook {event} is given more than once"));
            }
            out.push((event.to_string(), function));
        }
    }
    Ok(out)
}

fn positive_version(v: &str, what: &str) -> Result<(), String> {
    match v.parse::<u64>() {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(format!(
            "{what} must be a positive integer version, not {v:?}"
        )),
    }
}

/// Parses and validates a Lambda appspec.
pub fn lambda(text: &str) -> Result<LambdaSpec, String> {
    let doc = document(text)?;
    check_version(&doc)?;
    let (name, body) = single_resource(&doc)?;
    check_type(body, &name, "AWS::Lambda::Function")?;
    let props =
        get(body, "Properties").ok_or_else(|| format!("resource {name} needs Properties"))?;
    let within = format!("resource {name}'s Properties");
    let spec = LambdaSpec {
        name: required(props, "Name", &within)?,
        alias: required(props, "Alias", &within)?,
        current_version: required(props, "CurrentVersion", &within)?,
        target_version: required(props, "TargetVersion", &within)?,
        hooks: hooks(&doc, &LAMBDA_HOOKS)?,
    };
    positive_version(&spec.current_version, "CurrentVersion")?;
    positive_version(&spec.target_version, "TargetVersion")?;
    if spec.current_version == spec.target_version {
        return Err(format!(
            "CurrentVersion and TargetVersion are both {}: there is nothing to shift",
            spec.target_version
        ));
    }
    Ok(spec)
}

/// Parses and validates an ECS appspec.
pub fn ecs(text: &str) -> Result<EcsSpec, String> {
    let doc = document(text)?;
    check_version(&doc)?;
    let (name, body) = single_resource(&doc)?;
    check_type(body, &name, "AWS::ECS::Service")?;
    let props =
        get(body, "Properties").ok_or_else(|| format!("resource {name} needs Properties"))?;
    let within = format!("resource {name}'s Properties");
    let task_definition = required(props, "TaskDefinition", &within)?;
    let lb = get(props, "LoadBalancerInfo").ok_or_else(|| {
        format!("{within} needs LoadBalancerInfo with ContainerName and ContainerPort")
    })?;
    let container_name = required(lb, "ContainerName", "LoadBalancerInfo")?;
    let container_port = match get(lb, "ContainerPort") {
        Some(Value::Number(n)) => n.as_i64().filter(|p| (1..=65535).contains(p)),
        _ => None,
    }
    .ok_or("LoadBalancerInfo.ContainerPort must be a port number (1-65535)")?;
    let platform_version = get(props, "PlatformVersion")
        .and_then(scalar)
        .unwrap_or_else(|| "LATEST".into());
    network_configuration(props)?;
    Ok(EcsSpec {
        task_definition,
        container_name,
        container_port,
        platform_version,
        hooks: hooks(&doc, &ECS_HOOKS)?,
    })
}

/// NetworkConfiguration.AwsvpcConfiguration: all of it or none of it.
fn network_configuration(props: &Value) -> Result<(), String> {
    let Some(net) = get(props, "NetworkConfiguration") else {
        return Ok(());
    };
    let vpc =
        get(net, "AwsvpcConfiguration").ok_or("NetworkConfiguration needs AwsvpcConfiguration")?;
    for key in ["Subnets", "SecurityGroups"] {
        match get(vpc, key) {
            Some(Value::Sequence(s)) if !s.is_empty() => {}
            _ => return Err(format!("AwsvpcConfiguration needs a non-empty {key} list")),
        }
    }
    match get(vpc, "AssignPublicIp").and_then(scalar).as_deref() {
        Some("ENABLED") | Some("DISABLED") => Ok(()),
        other => Err(format!(
            "AwsvpcConfiguration.AssignPublicIp must be ENABLED or DISABLED, not {}",
            other.unwrap_or("(none)")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAMBDA_YAML: &str = "version: 0.0
Resources:
  - myLambdaFunction:
      Type: AWS::Lambda::Function
      Properties:
        Name: \"myLambdaFunction\"
        Alias: \"myLambdaFunctionAlias\"
        CurrentVersion: \"1\"
        TargetVersion: \"2\"
Hooks:
  - BeforeAllowTraffic: \"CodeDeployHook_pre\"
  - AfterAllowTraffic: \"CodeDeployHook_post\"
";

    #[test]
    fn lambda_yaml_and_json() {
        let spec = lambda(LAMBDA_YAML).expect("valid");
        assert_eq!(spec.name, "myLambdaFunction");
        assert_eq!(spec.alias, "myLambdaFunctionAlias");
        assert_eq!(
            (spec.current_version.as_str(), spec.target_version.as_str()),
            ("1", "2")
        );
        assert_eq!(spec.hooks.len(), 2);
        let json = r#"{"version":0.0,"Resources":[{"f":{"Type":"AWS::Lambda::Function",
            "Properties":{"Name":"f","Alias":"live","CurrentVersion":3,"TargetVersion":4}}}]}"#;
        let spec = lambda(json).expect("json");
        assert_eq!(spec.target_version, "4");
        assert!(spec.hooks.is_empty());
    }

    #[test]
    fn lambda_keys_are_case_insensitive() {
        let lower = "version: 0.0\nresources:\n  - f:\n      type: AWS::Lambda::Function\n      properties:\n        name: f\n        alias: live\n        currentversion: 1\n        targetversion: 2\nhooks:\n  - beforeallowtraffic: h\n";
        let spec = lambda(lower).expect("lower-case keys");
        assert_eq!(spec.hooks, vec![("BeforeAllowTraffic".into(), "h".into())]);
    }

    #[test]
    fn lambda_errors_say_what_is_wrong() {
        let missing = LAMBDA_YAML.replace("        TargetVersion: \"2\"\n", "");
        assert!(lambda(&missing).unwrap_err().contains("TargetVersion"));
        let bad_hook = LAMBDA_YAML.replace("AfterAllowTraffic:", "AfterInstall:");
        assert!(lambda(&bad_hook).unwrap_err().contains("AfterInstall"));
        let same = LAMBDA_YAML.replace("TargetVersion: \"2\"", "TargetVersion: \"1\"");
        assert!(lambda(&same).unwrap_err().contains("nothing to shift"));
        let zero = LAMBDA_YAML.replace("TargetVersion: \"2\"", "TargetVersion: \"0\"");
        assert!(lambda(&zero).unwrap_err().contains("positive"));
        assert!(lambda("{").unwrap_err().contains("not valid"));
        assert!(lambda("").unwrap_err().contains("empty"));
        let ecs_type = LAMBDA_YAML.replace("AWS::Lambda::Function", "AWS::ECS::Service");
        assert!(lambda(&ecs_type).unwrap_err().contains("Type"));
    }

    const ECS_YAML: &str = "version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: \"arn:aws:ecs:us-east-1:111222333444:task-definition/web:2\"
        LoadBalancerInfo:
          ContainerName: \"web\"
          ContainerPort: 80
        PlatformVersion: \"1.4.0\"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [\"subnet-1\"]
            SecurityGroups: [\"sg-1\"]
            AssignPublicIp: \"DISABLED\"
Hooks:
  - AfterAllowTestTraffic: \"CodeDeployHook_test\"
";

    #[test]
    fn ecs_appspec() {
        let spec = ecs(ECS_YAML).expect("valid");
        assert_eq!(spec.container_port, 80);
        assert_eq!(spec.platform_version, "1.4.0");
        assert_eq!(spec.hooks[0].0, "AfterAllowTestTraffic");
        let no_port = ECS_YAML.replace("          ContainerPort: 80\n", "");
        assert!(ecs(&no_port).unwrap_err().contains("ContainerPort"));
        let half_net = ECS_YAML.replace("            SecurityGroups: [\"sg-1\"]\n", "");
        assert!(ecs(&half_net).unwrap_err().contains("SecurityGroups"));
        let default_platform = ECS_YAML.replace("        PlatformVersion: \"1.4.0\"\n", "");
        assert_eq!(
            ecs(&default_platform).expect("valid").platform_version,
            "LATEST"
        );
    }
}
