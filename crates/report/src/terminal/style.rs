//! How a table meets the terminal it is printed on: its width (long paths cut in the middle,
//! long text wrapped), colour for severity (on a terminal only, never when `NO_COLOR` is set),
//! and counted nouns with the right plural. The CLI decides the `Style`; the views obey it.

use netvet_model::Severity;

/// The narrowest a column is cut to; below this a cell says too little to be worth showing.
const MIN_COLUMN: usize = 8;

/// Where a table is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// The width lines must fit in, in characters; `None` for no limit (a pipe or a file).
    pub width: Option<usize>,
    /// Whether severities are coloured (ANSI SGR escape sequences).
    pub color: bool,
}

impl Style {
    /// No width limit, no colour: what a pipe, a file and every golden output get.
    pub const PLAIN: Style = Style {
        width: None,
        color: false,
    };

    /// The severity word as the tables print it (`CRITICAL`, or `critical` when `upper` is
    /// false), padded to `pad` characters and coloured when colour is on. The padding is
    /// outside the colour so that columns stay aligned.
    pub fn severity(&self, sev: Severity, upper: bool, pad: usize) -> String {
        let word = if upper {
            sev.as_str().to_uppercase()
        } else {
            sev.as_str().to_string()
        };
        let fill = " ".repeat(pad.saturating_sub(word.chars().count()));
        if !self.color {
            return format!("{word}{fill}");
        }
        let sgr = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        format!("\x1b[{sgr}m{word}\x1b[0m{fill}")
    }

    /// `text` cut in the middle with `…` to at most what is left of the width after `used`
    /// characters (never below a few characters); unchanged when there is no limit.
    pub fn fit_middle(&self, text: &str, used: usize) -> String {
        match self.width {
            Some(w) => truncate_middle(text, w.saturating_sub(used).max(MIN_COLUMN)),
            None => text.to_string(),
        }
    }

    /// Every line of `text` that is wider than the width, wrapped at spaces; continuation
    /// lines are indented two more than the line's own indentation. The last resort for
    /// views whose lines are sentences rather than columns; a text that fits is unchanged.
    pub fn fit(&self, text: &str) -> String {
        let Some(width) = self.width else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, newline) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            if body.chars().count() <= width {
                out.push_str(line);
                continue;
            }
            let lead = (body.len() - body.trim_start_matches(' ').len()).min(width / 2);
            let more = (lead + 2).min(width / 2);
            let words = body.trim_start_matches(' ');
            for (i, piece) in wrap_hanging(words, width - lead, width - more)
                .iter()
                .enumerate()
            {
                out.push_str(&" ".repeat(if i == 0 { lead } else { more }));
                out.push_str(piece);
                out.push('\n');
            }
            if newline.is_empty() && out.ends_with('\n') {
                out.pop();
            }
        }
        out
    }

    /// `text` broken into lines that fit what is left of the width after `used` characters;
    /// one line when there is no limit.
    pub fn wrap(&self, text: &str, used: usize) -> Vec<String> {
        match self.width {
            Some(w) => wrap(text, w.saturating_sub(used).max(MIN_COLUMN * 2)),
            None => vec![text.to_string()],
        }
    }
}

impl Style {
    /// Rows as left-aligned columns that fit the width: when they do not, the last column
    /// (titles, descriptions) is wrapped under itself, and if it would still be too narrow the
    /// widest other columns are cut in the middle with `…`. With no limit this is
    /// [`crate::text::columns`].
    pub fn columns(&self, rows: &[Vec<String>]) -> String {
        const LAST_MIN: usize = 24;
        let Some(limit) = self.width else {
            return crate::text::columns(rows);
        };
        let n = rows.iter().map(Vec::len).max().unwrap_or(0);
        if n == 0 {
            return String::new();
        }
        let mut widths = vec![0usize; n];
        for r in rows {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let lead = |w: &[usize]| w[..n - 1].iter().sum::<usize>() + 2 * (n - 1);
        if lead(&widths) + widths[n - 1] <= limit {
            return crate::text::columns(rows);
        }
        // Narrow the widest leading column, one character at a time, until the last column
        // has room or nothing more can be cut.
        while limit.saturating_sub(lead(&widths)) < LAST_MIN {
            let Some((i, w)) = widths[..n - 1]
                .iter()
                .copied()
                .enumerate()
                .max_by_key(|&(i, w)| (w, std::cmp::Reverse(i)))
            else {
                break;
            };
            if w <= MIN_COLUMN {
                break;
            }
            widths[i] = w - 1;
        }
        let indent = lead(&widths);
        let last = limit.saturating_sub(indent).max(MIN_COLUMN);
        let mut out = String::new();
        for r in rows {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                if i + 1 == r.len() {
                    let pieces = wrap(c, last);
                    for (k, piece) in pieces.iter().enumerate() {
                        if k > 0 {
                            out.push_str(line.trim_end());
                            out.push('\n');
                            line = " ".repeat(indent);
                        }
                        line.push_str(piece);
                    }
                } else {
                    let cell = truncate_middle(c, widths[i]);
                    let pad = widths[i] - cell.chars().count();
                    line.push_str(&cell);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `n` and the noun, singular for one (`1 finding`, `2 findings`, `0 findings`).
pub fn counted(n: usize, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        crate::text::count(n as u64),
        if n == 1 { singular } else { plural }
    )
}

/// `text` in at most `max` characters: the start and the end kept, the middle replaced by `…`
/// (the end of a path names the file, the start names the image).
pub fn truncate_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    let keep = max - 1;
    let tail = keep.div_ceil(2);
    let head = keep - tail;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(n - tail));
    out
}

/// `text` broken at spaces into lines of at most `width` characters; a word longer than a
/// line is cut into pieces of the line's width.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// [`wrap`] with a first line of `first` characters and the others of `rest`.
pub fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    let limit = |lines: &Vec<String>| {
        if lines.is_empty() {
            first.max(1)
        } else {
            rest.max(1)
        }
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0usize;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let width = limit(&lines);
            let wlen = word.len();
            let need = if len == 0 { wlen } else { len + 1 + wlen };
            if need <= width {
                if len > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                len = need;
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word wider than a line on its own.
            line.extend(word[..width].iter());
            lines.push(std::mem::take(&mut line));
            word.drain(..width);
            if word.is_empty() {
                break;
            }
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cut_in_the_middle_to_the_width() {
        let p = "fw.bin!/0x100000.squashfs!/usr/lib/very/long/path/libfoo.so";
        let t = truncate_middle(p, 20);
        assert_eq!(t.chars().count(), 20);
        assert_eq!(t, "fw.bin!/0…/libfoo.so");
        assert_eq!(truncate_middle("short", 20), "short");
        assert_eq!(truncate_middle("abcdef", 1), "…");
    }

    #[test]
    fn text_wraps_at_spaces_and_long_words_are_cut() {
        assert_eq!(
            wrap("one two three four", 9),
            vec!["one two", "three", "four"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert!(wrap(&"word ".repeat(50), 30).iter().all(|l| l.len() <= 30));
    }

    #[test]
    fn columns_fit_the_width_by_wrapping_the_last_and_cutting_the_widest() {
        let rows = vec![
            vec![
                "id".into(),
                "a/very/long/path/to/some/file.conf".into(),
                "the description of what was found here".into(),
            ],
            vec!["x".into(), "short".into(), "ok".into()],
        ];
        let plain = Style::PLAIN.columns(&rows);
        assert_eq!(plain, crate::text::columns(&rows));
        let narrow = Style {
            width: Some(50),
            color: false,
        }
        .columns(&rows);
        for line in narrow.lines() {
            assert!(line.chars().count() <= 50, "{line:?} is wider than 50");
        }
        assert!(narrow.contains('…'), "{narrow}");
        assert!(narrow.contains("file.conf"), "{narrow}");
        assert!(
            narrow.lines().count() > 2,
            "the description wraps: {narrow}"
        );
        // Wide enough: unchanged.
        let wide = Style {
            width: Some(200),
            color: false,
        }
        .columns(&rows);
        assert_eq!(wide, plain);
    }

    #[test]
    fn long_sentences_wrap_under_their_indentation() {
        let s = Style {
            width: Some(20),
            color: false,
        };
        let text = "short\n  a long line that goes on and on\nend";
        let fitted = s.fit(text);
        assert_eq!(fitted, "short\n  a long line that\n    goes on and on\nend");
        assert!(fitted.lines().all(|l| l.chars().count() <= 20));
        assert_eq!(Style::PLAIN.fit(text), text);
    }

    #[test]
    fn plurals_follow_the_count() {
        assert_eq!(counted(0, "finding", "findings"), "0 findings");
        assert_eq!(counted(1, "finding", "findings"), "1 finding");
        assert_eq!(
            counted(2, "vulnerability", "vulnerabilities"),
            "2 vulnerabilities"
        );
        assert_eq!(
            counted(1, "vulnerability", "vulnerabilities"),
            "1 vulnerability"
        );
        assert_eq!(counted(1234, "entry", "entries"), "1,234 entries");
    }

    #[test]
    fn severity_is_coloured_only_when_asked_and_stays_aligned() {
        assert_eq!(Style::PLAIN.severity(Severity::High, true, 8), "HIGH    ");
        let c = Style {
            width: None,
            color: true,
        };
        assert_eq!(
            c.severity(Severity::High, true, 8),
            "\x1b[31mHIGH\x1b[0m    "
        );
        assert_eq!(
            c.severity(Severity::Critical, false, 0),
            "\x1b[1;31mcritical\x1b[0m"
        );
    }
}
