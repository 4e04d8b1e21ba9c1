//! A run embedded in someone else's page: the colours it follows, and the code a docs writer
//! copies for their tool (a bare iframe, the `<consensus-lab>` element of `embed.js`, an mdBook
//! block for the `mdbook-lab` preprocessor, a line of MDX).

use super::pace::Speed;
use crate::share::{percent_encode, query_pairs, LINK_FORMAT};

/// `theme=`: the embed's colours. `auto` follows the reader's system setting; the host script
/// (`embed.js`) sends the host page's own theme, which wins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// A link's value: `light`, `dark` or `auto`.
    pub fn parse(v: &str) -> Option<Theme> {
        match v {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The inverse of [`Theme::parse`].
    pub fn word(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme a page's query string asks for (`auto` when absent or unusable: the page's
    /// own link reader reports a bad value).
    pub fn of_query(query: &str) -> Theme {
        query_pairs(query)
            .iter()
            .find(|(k, _)| k == "theme")
            .and_then(|(_, v)| Theme::parse(v))
            .unwrap_or_default()
    }
}

/// What a bad `theme=` says.
pub const THEME_VALUES: &str = "light, dark or auto";

/// The presenter options a docs writer picks in the Copy embed code dialog.
#[derive(Clone, Debug, PartialEq)]
pub struct Presenter {
    /// Title of the frame, for screen readers and the fallback link.
    pub title: String,
    pub controls: bool,
    pub autoplay: bool,
    /// `loop=1`: start again when nothing is left to happen (or after 30 s).
    pub looping: bool,
    /// `None` keeps the page's default (smart).
    pub speed: Option<Speed>,
    pub theme: Theme,
    /// The presenter view (`big=1`) rather than the compact embed.
    pub big: bool,
    /// The frame's height before it sizes itself (or for good, without `embed.js`), CSS px.
    pub height: u32,
}

impl Default for Presenter {
    fn default() -> Self {
        Presenter {
            title: "Consensus Lab".into(),
            controls: true,
            autoplay: true,
            looping: false,
            speed: None,
            theme: Theme::Auto,
            big: false,
            height: DEFAULT_HEIGHT,
        }
    }
}

/// An embed's height until it has measured itself: a five-node cluster and its controls.
pub const DEFAULT_HEIGHT: u32 = 420;

impl Presenter {
    /// The link keys of these options, as `mdbook-lab` and the app read them. The compact view
    /// (`embed=1`) unless the presenter view is asked for.
    pub fn keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![(if self.big { "big" } else { "embed" }, "1".to_string())];
        if !self.controls {
            keys.push(("controls", "0".into()));
        }
        if self.autoplay {
            keys.push(("autoplay", "1".into()));
        }
        if self.looping {
            keys.push(("loop", "1".into()));
        }
        if let Some(s) = self.speed {
            keys.push(("speed", s.value()));
        }
        if self.theme != Theme::Auto {
            keys.push(("theme", self.theme.word().into()));
        }
        keys
    }
}

/// The four forms of one embed, each complete: paste it and it works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedCode {
    /// The embed's address, as the iframe and the element load it (for a live preview).
    pub src: String,
    /// A plain iframe: no script on the host, a fixed height.
    pub iframe: String,
    /// `embed.js` and the custom element: self-sizing, lazy, following the host's theme.
    pub element: String,
    /// A fenced block for an mdBook built with the `mdbook-lab` preprocessor.
    pub mdbook: String,
    /// The element as a line of MDX (Docusaurus), `embed.js` being in the site's scripts.
    pub mdx: String,
}

/// Escapes text for an HTML attribute value in double quotes.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The embed code of the run `run` (a lab link's query string, without `?`), for the lab
/// served at `base` (its directory's address, ending in `/`).
pub fn embed_code(base: &str, run: &str, p: &Presenter) -> EmbedCode {
    let run = run.trim_start_matches('?');
    // The run's own presenter keys give way to the ones chosen.
    let chosen = p.keys();
    let mut pairs: Vec<String> = run
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| {
            let k = kv.split_once('=').map_or(*kv, |(k, _)| k);
            !PRESENTER_KEYS.contains(&k)
        })
        .map(str::to_string)
        .collect();
    let run_only = pairs.join("&");
    pairs.extend(
        chosen
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v))),
    );
    // An embed names the format it was made with, so a later lab can tell.
    pairs.push(format!("v={LINK_FORMAT}"));
    let src = format!("{base}?{}", pairs.join("&"));
    let title = if p.title.trim().is_empty() {
        Presenter::default().title
    } else {
        p.title.trim().to_string()
    };
    let iframe = format!(
        "<iframe src=\"{}\" title=\"{}\" loading=\"lazy\" style=\"display:block;width:100%;height:{}px;border:0\"></iframe>",
        attr(&src),
        attr(&title),
        p.height
    );
    let element_tag = format!(
        "<consensus-lab src=\"{}\" title=\"{}\" height=\"{}\"></consensus-lab>",
        attr(&src),
        attr(&title),
        p.height
    );
    let element = format!(
        "<script src=\"{}embed.js\" defer></script>\n{element_tag}",
        attr(base)
    );
    let mut mdbook = format!("```consensus-lab\nlink: {run_only}\ntitle: {title}\n");
    let on = |b: bool| if b { "on" } else { "off" };
    if p.height != DEFAULT_HEIGHT {
        mdbook.push_str(&format!("height: {}\n", p.height));
    }
    mdbook.push_str(&format!(
        "controls: {}\nautoplay: {}\n",
        on(p.controls),
        on(p.autoplay)
    ));
    if p.looping {
        mdbook.push_str("loop: on\n");
    }
    if let Some(s) = p.speed {
        mdbook.push_str(&format!("speed: {}\n", s.value()));
    }
    if p.theme != Theme::Auto {
        mdbook.push_str(&format!("theme: {}\n", p.theme.word()));
    }
    if p.big {
        mdbook.push_str("big: on\n");
    }
    mdbook.push_str("```\n");
    // JSX reads `{` as code: a title holding one is written as a string expression.
    let mdx = if title.contains(['{', '}']) {
        element_tag.replacen(
            &format!("title=\"{}\"", attr(&title)),
            &format!(
                "title={{{}}}",
                serde_json::to_string(&title).unwrap_or_default()
            ),
            1,
        )
    } else {
        element_tag
    };
    EmbedCode {
        src,
        iframe,
        element,
        mdbook,
        mdx,
    }
}

/// The link keys [`Presenter::keys`] writes (and the format, `v`), which a copied run drops in
/// favour of the dialog's choices.
pub const PRESENTER_KEYS: &[&str] = &[
    "embed", "big", "controls", "autoplay", "loop", "speed", "theme", "v",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_read_and_write_the_same_words() {
        for t in [Theme::Auto, Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(t.word()), Some(t));
        }
        assert_eq!(Theme::parse("blue"), None);
        assert_eq!(Theme::of_query("?p=raft&theme=dark"), Theme::Dark);
        assert_eq!(Theme::of_query("p=raft&theme=blue"), Theme::Auto);
        assert_eq!(Theme::of_query(""), Theme::Auto);
    }

    #[test]
    fn the_default_options_give_a_compact_autoplaying_embed() {
        let c = embed_code(
            "https://docs.example/lab/",
            "protocol=raft&seed=7&t=1.5s&ev=40",
            &Presenter::default(),
        );
        assert_eq!(
            c.iframe,
            "<iframe src=\"https://docs.example/lab/?protocol=raft&amp;seed=7&amp;t=1.5s&amp;ev=40&amp;embed=1&amp;autoplay=1&amp;v=1\" \
             title=\"Consensus Lab\" loading=\"lazy\" style=\"display:block;width:100%;height:420px;border:0\"></iframe>"
        );
        assert_eq!(
            c.element,
            "<script src=\"https://docs.example/lab/embed.js\" defer></script>\n\
             <consensus-lab src=\"https://docs.example/lab/?protocol=raft&amp;seed=7&amp;t=1.5s&amp;ev=40&amp;embed=1&amp;autoplay=1&amp;v=1\" \
             title=\"Consensus Lab\" height=\"420\"></consensus-lab>"
        );
        assert_eq!(
            c.mdbook,
            "```consensus-lab\nlink: protocol=raft&seed=7&t=1.5s&ev=40\ntitle: Consensus Lab\n\
             controls: on\nautoplay: on\n```\n"
        );
        assert_eq!(c.mdx, c.element.lines().nth(1).unwrap());
        assert_eq!(
            c.src,
            "https://docs.example/lab/?protocol=raft&seed=7&t=1.5s&ev=40&embed=1&autoplay=1&v=1"
        );
    }

    #[test]
    fn chosen_options_replace_the_runs_own_and_every_one_is_written() {
        let p = Presenter {
            title: "Raft \"Figure 8\" <fixed>".into(),
            controls: false,
            autoplay: false,
            looping: true,
            speed: Some(Speed::Fixed(7)),
            theme: Theme::Dark,
            big: true,
            height: 600,
        };
        let c = embed_code(
            "/lab/",
            "protocol=raft&embed=1&autoplay=1&speed=2&sel=n3",
            &p,
        );
        assert!(
            c.iframe.contains(
                "src=\"/lab/?protocol=raft&amp;sel=n3&amp;big=1&amp;controls=0&amp;loop=1&amp;speed=7&amp;theme=dark&amp;v=1\""
            ),
            "{}",
            c.iframe
        );
        assert!(c
            .iframe
            .contains("title=\"Raft &quot;Figure 8&quot; &lt;fixed&gt;\""));
        assert!(c.iframe.contains("height:600px"));
        assert_eq!(
            c.mdbook,
            "```consensus-lab\nlink: protocol=raft&sel=n3\ntitle: Raft \"Figure 8\" <fixed>\n\
             height: 600\ncontrols: off\nautoplay: off\nloop: on\nspeed: 7\ntheme: dark\nbig: on\n```\n"
        );
    }

    #[test]
    fn an_mdx_title_with_braces_is_a_string_expression() {
        let p = Presenter {
            title: "Paxos {duel}".into(),
            ..Presenter::default()
        };
        let c = embed_code("/", "protocol=paxos", &p);
        assert!(c.mdx.contains("title={\"Paxos {duel}\"}"), "{}", c.mdx);
        assert!(c.element.contains("title=\"Paxos {duel}\""));
    }
}
