//! Just enough of EDN (the Clojure data notation Jepsen writes histories in) to read one
//! operation: nil, booleans, integers, strings, keywords and symbols, and collections. Floats,
//! characters, sets and tagged values are read so that keys the checker ignores (`:time`,
//! `:error`...) may hold them.

/// An EDN value. Text the checker never looks inside (floats, symbols, characters) is kept as
/// written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Edn {
    Nil,
    Bool(bool),
    Int(i64),
    Str(String),
    /// A keyword, without its colon.
    Keyword(String),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
    /// Anything else: a float, symbol, character, list, set or tagged value.
    Other,
}

impl Edn {
    /// How an error message names what it found.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Edn::Nil => "nil",
            Edn::Bool(_) => "a boolean",
            Edn::Int(_) => "an integer",
            Edn::Str(_) => "a string",
            Edn::Keyword(_) => "a keyword",
            Edn::Vector(_) => "a vector",
            Edn::Map(_) => "a map",
            Edn::Other => "another kind of value",
        }
    }
}

/// Collections nest no deeper than this, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b',' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';'
        )
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Reader<'a> {
        Reader { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips whitespace, commas and comments; true if anything is left.
    pub(crate) fn more(&mut self) -> bool {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() || b == b',' {
                self.pos += 1;
            } else if b == b';' {
                self.pos = self.text[self.pos..]
                    .find('\n')
                    .map_or(self.text.len(), |i| self.pos + i);
            } else {
                return true;
            }
        }
        false
    }

    /// Reads one value.
    pub(crate) fn read(&mut self) -> Result<Edn, String> {
        self.value(0)
    }

    fn value(&mut self, depth: usize) -> Result<Edn, String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nested more than {MAX_DEPTH} deep"));
        }
        if !self.more() {
            return Err("a value, found the end of the line".into());
        }
        let b = self.text.as_bytes()[self.pos];
        match b {
            b'[' | b'(' | b'{' => {
                self.pos += 1;
                let close = match b {
                    b'[' => b']',
                    b'(' => b')',
                    _ => b'}',
                };
                let items = self.items(close, depth)?;
                match b {
                    b'[' => Ok(Edn::Vector(items)),
                    b'(' => Ok(Edn::Other),
                    _ => pairs(items).map(Edn::Map),
                }
            }
            b'"' => self.string().map(Edn::Str),
            b'#' => {
                self.pos += 1;
                match self.peek() {
                    Some(b'{') => {
                        self.pos += 1;
                        self.items(b'}', depth).map(|_| Edn::Other)
                    }
                    _ => {
                        self.token();
                        self.value(depth + 1).map(|_| Edn::Other)
                    }
                }
            }
            b')' | b']' | b'}' => Err(format!("a value, found '{}'", b as char)),
            b'\\' => {
                // A character: `\a`, `\newline`.
                self.pos += 1;
                if self.token().is_empty() && self.peek().is_some() {
                    self.pos += self.text[self.pos..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                }
                Ok(Edn::Other)
            }
            _ => atom(self.token()),
        }
    }

    /// Values up to the closing delimiter.
    fn items(&mut self, close: u8, depth: usize) -> Result<Vec<Edn>, String> {
        let mut items = Vec::new();
        loop {
            if !self.more() {
                return Err(format!("'{}' to close the collection", close as char));
            }
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
        }
    }

    /// The characters up to the next delimiter.
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| !is_delimiter(b)) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let escaped = match chars.next().map(|(_, e)| e) {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('u') => {
                            let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == 4)
                                .and_then(char::from_u32)
                                .ok_or_else(|| format!("a \\uXXXX escape, found \\u{hex}"))?
                        }
                        Some(e @ ('"' | '\\')) => e,
                        Some(e) => return Err(format!("a string escape, found \\{e}")),
                        None => break,
                    };
                    out.push(escaped);
                }
                c => out.push(c),
            }
        }
        Err("'\"' to close the string".into())
    }
}

/// A map's items in pairs.
fn pairs(items: Vec<Edn>) -> Result<Vec<(Edn, Edn)>, String> {
    if items.len() % 2 == 1 {
        return Err("a value for every key of the map".into());
    }
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

/// A bare token: nil, a boolean, a number, a keyword or a symbol.
fn atom(token: &str) -> Result<Edn, String> {
    match token {
        "" => return Err("a value".into()),
        "nil" => return Ok(Edn::Nil),
        "true" => return Ok(Edn::Bool(true)),
        "false" => return Ok(Edn::Bool(false)),
        _ => {}
    }
    if let Some(name) = token.strip_prefix(':') {
        if name.is_empty() {
            return Err("a keyword's name after ':'".into());
        }
        return Ok(Edn::Keyword(name.to_string()));
    }
    let digits = token.strip_prefix(['-', '+']).unwrap_or(token);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(Edn::Other);
    }
    // Clojure marks arbitrary-precision integers with N; their value still has to fit.
    let int = token.strip_suffix('N').unwrap_or(token);
    if int
        .strip_prefix(['-', '+'])
        .unwrap_or(int)
        .bytes()
        .all(|b| b.is_ascii_digit())
    {
        return int
            .parse::<i64>()
            .map(Edn::Int)
            .map_err(|_| format!("number out of range: {token} (integers are 64-bit)"));
    }
    let float = token.strip_suffix('M').unwrap_or(token);
    if float.parse::<f64>().is_ok() {
        return Ok(Edn::Other);
    }
    Err(format!("a number, found '{token}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Edn, String> {
        Reader::new(text).read()
    }

    #[test]
    fn reads_the_values_of_a_history() {
        assert_eq!(read("nil"), Ok(Edn::Nil));
        assert_eq!(read("-12"), Ok(Edn::Int(-12)));
        assert_eq!(read("12N"), Ok(Edn::Int(12)));
        assert_eq!(read(":cas"), Ok(Edn::Keyword("cas".into())));
        assert_eq!(read(r#""a\"b\u0041""#), Ok(Edn::Str("a\"bA".into())));
        assert_eq!(
            read("[3 , 0]"),
            Ok(Edn::Vector(vec![Edn::Int(3), Edn::Int(0)]))
        );
        assert_eq!(
            read("{:a 1}"),
            Ok(Edn::Map(vec![(Edn::Keyword("a".into()), Edn::Int(1))]))
        );
        for other in [
            "1.5",
            "2.5e3",
            "(1 2)",
            "#{1}",
            "#inst \"2020\"",
            "\\a",
            "sym",
        ] {
            assert_eq!(read(other), Ok(Edn::Other), "{other}");
        }
    }

    #[test]
    fn says_what_it_expected() {
        assert!(read("99999999999999999999")
            .unwrap_err()
            .contains("out of range"));
        assert!(read("[1 2").unwrap_err().contains("']'"));
        assert!(read("{:a}").unwrap_err().contains("value for every key"));
        assert!(read("\"abc").unwrap_err().contains("close the string"));
        assert!(read("1x").unwrap_err().contains("a number"));
        assert!(read(&"[".repeat(1000)).unwrap_err().contains("nested"));
    }
}
