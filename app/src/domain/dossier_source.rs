//! Where a dossier came from: typed in at the counter, or received from the city's portal.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Counter,
    Dvc,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Counter => "counter",
            Source::Dvc => "dvc",
        }
    }
}
