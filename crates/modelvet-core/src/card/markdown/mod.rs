//! A model card's parts: the YAML front matter between `---` lines and the
//! Markdown body cut into sections by heading.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// Placeholder phrases the official template and Trainer cards leave in
/// unfilled fields; a section holding only these counts as absent.
const PLACEHOLDERS: &[&str] = &[
    "[more information needed]",
    "more information needed",
    "[needs more information]",
    "needs more information",
    "[optional]",
    "[todo]",
    "todo",
    "tbd",
    "coming soon",
    "n/a",
];

/// Fewer letters and digits than this (placeholders and field labels
/// removed) and a section is considered empty.
const MIN_CONTENT_CHARS: usize = 12;

/// The README split in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCard<'a> {
    /// Text between the opening and closing `---`, if the card starts with one.
    pub front_matter: Option<&'a str>,
    /// Everything after the front matter.
    pub body: &'a str,
    /// Whether an opening `---` had no closing line.
    pub unterminated: bool,
}

/// Split a README into front matter and body.
pub fn split(readme: &str) -> SplitCard<'_> {
    let text = readme.strip_prefix('\u{feff}').unwrap_or(readme);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return SplitCard {
            front_matter: None,
            body: text,
            unterminated: false,
        };
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let fm = text.get(start..offset).unwrap_or_default();
            let body = text
                .get(offset.saturating_add(line.len())..)
                .unwrap_or_default();
            return SplitCard {
                front_matter: Some(fm),
                body,
                unterminated: false,
            };
        }
        offset = offset.saturating_add(line.len());
    }
    SplitCard {
        front_matter: None,
        body: text,
        unterminated: true,
    }
}

/// One heading and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// Heading text as written.
    pub title: String,
    /// Lowercased heading without `[optional]` and punctuation.
    pub key: String,
    /// Anchor the Hub gives the heading.
    pub anchor: String,
    /// Text up to the next heading of any level (labels kept).
    pub own_text: String,
    /// Text including sub-sections (up to the next heading of the same or a higher level).
    pub full_text: String,
}

impl Section {
    /// Whether the section (with its sub-sections) says something beyond
    /// placeholders and field labels.
    pub fn has_content(&self) -> bool {
        content_chars(&self.full_text) >= MIN_CONTENT_CHARS
    }
}

/// Letters and digits left once placeholders and `Label:` prefixes are gone.
pub fn content_chars(text: &str) -> usize {
    let mut total = 0usize;
    for line in text.lines() {
        let mut l = line.trim().to_lowercase();
        for p in PLACEHOLDERS {
            l = l.replace(p, "");
        }
        // `Developed by: ACME` -> `ACME`; `Developed by:` -> nothing.
        let value = match l.split_once(':') {
            Some((label, rest)) if label.len() <= 40 && !label.contains("http") => rest,
            _ => l.as_str(),
        };
        total = total.saturating_add(value.chars().filter(|c| c.is_alphanumeric()).count());
    }
    total
}

/// Whether `text` is only a placeholder.
pub fn is_placeholder(text: &str) -> bool {
    content_chars(text) == 0
}

/// Lowercase, drop `[optional]`, punctuation and repeated spaces.
pub fn heading_key(title: &str) -> String {
    let lower = title
        .to_lowercase()
        .replace("[optional]", "")
        .replace("(optional)", "");
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '&' {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// GitHub-style anchor, as the Hub renders headings.
pub fn anchor(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Cut the body into sections. Text before the first heading is ignored.
pub fn sections(body: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut in_heading: Option<(u8, String)> = None;
    let mut skip_html = 0u32;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = Some((level_num(level), String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title)) = in_heading.take() {
                    let title = title.trim().to_owned();
                    out.push(Section {
                        level,
                        key: heading_key(&title),
                        anchor: anchor(&title),
                        title,
                        own_text: String::new(),
                        full_text: String::new(),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title)) = in_heading.as_mut() {
                    title.push_str(&t);
                } else if skip_html == 0 {
                    if let Some(s) = out.last_mut() {
                        s.own_text.push_str(&t);
                    }
                }
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock) => {
                if let Some(s) = out.last_mut() {
                    s.own_text.push('\n');
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                // Comments hold template instructions, not content.
                if h.contains("<!--") && !h.contains("-->") {
                    skip_html = skip_html.saturating_add(1);
                } else if h.contains("-->") && !h.contains("<!--") {
                    skip_html = skip_html.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    // full_text: own text plus every following deeper section's.
    let snapshot: Vec<(u8, String)> = out.iter().map(|s| (s.level, s.own_text.clone())).collect();
    for (i, s) in out.iter_mut().enumerate() {
        let mut full = s.own_text.clone();
        for (level, text) in snapshot.iter().skip(i.saturating_add(1)) {
            if *level <= s.level {
                break;
            }
            full.push('\n');
            full.push_str(text);
        }
        s.full_text = full;
    }
    out
}

fn level_num(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
