//! Typed access to JSON fields with errors that name the field by its full path.

use serde_json::{Map, Value};

use crate::error::IntakeError;

/// Parses a body that has already passed the size check.
pub(crate) fn parse_json(raw: &[u8]) -> Result<Value, IntakeError> {
    serde_json::from_slice(raw).map_err(|e| IntakeError::MalformedJson(e.to_string()))
}

/// An object plus the path prefix used in error messages (`""` or `"data."`).
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
}

impl<'a> Obj<'a> {
    pub(crate) fn root(value: &'a Value) -> Result<Self, IntakeError> {
        match value {
            Value::Object(map) => Ok(Self { map, prefix: "" }),
            _ => Err(IntakeError::WrongType { field: "(body)".into(), expected: "a JSON object" }),
        }
    }

    pub(crate) fn map(&self) -> &'a Map<String, Value> {
        self.map
    }

    pub(crate) fn path(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// A nested object, required.
    pub(crate) fn object(&self, key: &str, prefix: &'static str) -> Result<Obj<'a>, IntakeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(IntakeError::MissingField(self.path(key))),
            Some(Value::Object(map)) => Ok(Obj { map, prefix }),
            Some(_) => Err(self.wrong(key, "an object")),
        }
    }

    fn wrong(&self, key: &str, expected: &'static str) -> IntakeError {
        IntakeError::WrongType { field: self.path(key), expected }
    }

    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, IntakeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    pub(crate) fn req_str(&self, key: &str) -> Result<&'a str, IntakeError> {
        self.opt_str(key)?.ok_or_else(|| IntakeError::MissingField(self.path(key)))
    }

    /// A string field kept only when it carries something (providers send `""` for unknown).
    pub(crate) fn text(&self, key: &str) -> Result<Option<String>, IntakeError> {
        Ok(self.opt_str(key)?.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
    }

    /// Integers only; an integral float (`50000.0`) is accepted because JavaScript senders
    /// cannot tell the two apart.
    pub(crate) fn opt_int(&self, key: &str) -> Result<Option<i64>, IntakeError> {
        let v = match self.map.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let Value::Number(n) = v else {
            return Err(self.wrong(key, "an integer"));
        };
        if let Some(i) = n.as_i64() {
            return Ok(Some(i));
        }
        match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ if n.is_u64() => Err(IntakeError::InvalidValue { field: self.path(key), reason: "integer too large".into() }),
            _ => Err(self.wrong(key, "an integer")),
        }
    }

    pub(crate) fn req_int(&self, key: &str) -> Result<i64, IntakeError> {
        self.opt_int(key)?.ok_or_else(|| IntakeError::MissingField(self.path(key)))
    }

    pub(crate) fn invalid(&self, key: &str, reason: impl Into<String>) -> IntakeError {
        IntakeError::InvalidValue { field: self.path(key), reason: reason.into() }
    }
}
