//! Splitting a command line into words the way JUmPER does (Python's `shlex.split`, POSIX mode):
//! blanks separate words, single quotes keep everything literally, double quotes allow `\"`,
//! `\\`, `\$` and `` \` `` escapes, and a backslash outside quotes escapes the next character.

use super::CommandError;

/// Splits `line` into words; an unclosed quote or a trailing backslash is an error.
pub(crate) fn split(line: &str) -> Result<Vec<String>, CommandError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err(CommandError::Quote(line.to_string())),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some('\n') => {}
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x);
                            }
                            None => return Err(CommandError::Quote(line.to_string())),
                        },
                        Some(x) => cur.push(x),
                        None => return Err(CommandError::Quote(line.to_string())),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(x) => cur.push(x),
                    None => return Err(CommandError::Quote(line.to_string())),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_shlex() {
        assert_eq!(
            split("--cell 2:4   --level user").unwrap(),
            ["--cell", "2:4", "--level", "user"]
        );
        assert_eq!(
            split(r#"--file 'my file.csv' "a \"b\"" c\ d"#).unwrap(),
            ["--file", "my file.csv", "a \"b\"", "c d"]
        );
        assert_eq!(split("''").unwrap(), [""]);
        assert!(split("").unwrap().is_empty());
        assert!(matches!(split("'open"), Err(CommandError::Quote(_))));
        assert!(matches!(split("x\\"), Err(CommandError::Quote(_))));
    }
}
