//! `consensus-lab` blocks in an mdBook chapter become live embedded runs:
//!
//! ````text
//! ```consensus-lab
//! protocol: raft
//! seed: 3
//! actions: at 1s crash leader; at 3s restart S2
//! at: 2s
//! title: The leader crashes
//! ```
//! ````
//!
//! Each block becomes a `<consensus-lab>` element holding a link to the run: with `embed.js` on
//! the page (the book's `additional-js`) it is a titled iframe, loaded when scrolled near, that
//! sizes itself to its content and follows the book's theme; for a reader without scripts it
//! stays the link. Every line is checked against the engine (protocols,
//! settings, actions replayed, tours and chapters), so a block that would show something else
//! than it says fails the build with its line and the reason.

use lab_engine::any::AnySim;
use lab_engine::catalog::vocabulary::canonical;
use lab_engine::script;
use lab_engine::session::{embed_code, Presenter, Speed, Theme};
use lab_engine::share::{decode_link, decode_ring_link, encode_ring_link, is_ring_link};
use lab_engine::time::{fmt_time, parse_time};
use lab_engine::{ProtocolKind, Settings};
use lab_ring::page::Params;

/// The fence's info string.
pub const FENCE: &str = "consensus-lab";

/// Keys a block may have besides the settings of the vocabulary (`latency`, `bug`, ...).
const KEYS: &[&str] = &[
    "link", "protocol", "actions", "tour", "chapter", "at", "title", "height", "controls",
    "autoplay", "loop", "speed", "theme", "big",
];

/// Keys that say how to show a run, not which run.
const PRESENTING: &[&str] = &[
    "title", "height", "controls", "autoplay", "loop", "speed", "theme", "big",
];

/// A block's lines, as written: line number in the chapter, key, value.
type Lines<'a> = Vec<(usize, &'a str, &'a str)>;

fn switch(line: usize, key: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("line {line}: {key} is on or off, not '{v}'")),
    }
}

/// Escapes text for HTML (element content or a double-quoted attribute).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The run a block names, as a lab link's query string, and its presenter options.
fn read_block(lines: &Lines) -> Result<(String, Presenter), String> {
    let mut seen: Vec<&str> = Vec::new();
    // The ring page has words of its own, which it checks itself.
    let ring = lines
        .iter()
        .any(|&(_, k, v)| k == "protocol" && v == "ring");
    for &(line, key, _) in lines {
        if seen.contains(&key) {
            return Err(format!("line {line}: {key} is given twice"));
        }
        if !ring && !KEYS.contains(&key) && canonical(key).is_none() {
            return Err(format!(
                "line {line}: unknown key '{key}'; keys: {}, or a setting (seed, nodes, \
                 latency, bug...)",
                KEYS.join(", ")
            ));
        }
        seen.push(key);
    }
    let get = |k: &str| lines.iter().find(|(_, key, _)| *key == k).copied();
    let first = lines.first().map_or(0, |l| l.0);
    let mut p = Presenter::default();
    for &(line, key, v) in lines {
        match key {
            "title" => p.title = v.to_string(),
            "height" => {
                p.height = v
                    .parse::<u32>()
                    .ok()
                    .filter(|h| (150..=2000).contains(h))
                    .ok_or(format!(
                        "line {line}: height is 150 to 2000 (px), not '{v}'"
                    ))?
            }
            "controls" => p.controls = switch(line, key, v)?,
            "autoplay" => p.autoplay = switch(line, key, v)?,
            "big" => p.big = switch(line, key, v)?,
            "loop" => p.looping = switch(line, key, v)?,
            "speed" => {
                p.speed = Some(
                    Speed::parse(v)
                        .ok_or(format!("line {line}: speed is smart or 0 to 8, not '{v}'"))?,
                )
            }
            "theme" => {
                p.theme = Theme::parse(v).ok_or(format!(
                    "line {line}: theme is light, dark or auto, not '{v}'"
                ))?
            }
            _ => {}
        }
    }
    let mut view: Vec<(&str, String)> = Vec::new();
    if let Some((line, _, v)) = get("at") {
        let t = parse_time(v).map_err(|e| format!("line {line}: at: {e}"))?;
        view.push(("t", fmt_time(t)));
    }
    if let Some((line, _, id)) = get("tour") {
        let tour = lab_engine::tour::find(id).map_err(|e| format!("line {line}: {e}"))?;
        view.push(("tour", id.to_string()));
        if let Some((cl, _, ch)) = get("chapter") {
            let n = tour.chapters.len();
            ch.parse::<usize>()
                .ok()
                .filter(|c| (1..=n).contains(c))
                .ok_or(format!(
                    "line {cl}: tour {id} has chapters 1 to {n}, not '{ch}'"
                ))?;
            view.push(("ch", ch.to_string()));
        }
        // A tour brings its own run: nothing else names one.
        if let Some(&(l, k, _)) = lines
            .iter()
            .find(|(_, k, _)| !PRESENTING.contains(k) && !["tour", "chapter"].contains(k))
        {
            return Err(format!(
                "line {l}: {k} does not go with a tour, which has its own run"
            ));
        }
        let run = view
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        return Ok((run, p));
    }
    if let Some((line, _, _)) = get("chapter") {
        return Err(format!("line {line}: chapter needs a tour"));
    }
    let run = if let Some((line, _, q)) = get("link") {
        if let Some(&(l, k, _)) = lines
            .iter()
            .find(|(_, k, _)| !PRESENTING.contains(k) && !["link", "at"].contains(k))
        {
            return Err(format!(
                "line {l}: {k} does not go with link, which names the whole run"
            ));
        }
        let q = q.trim_start_matches('?');
        let warnings = if is_ring_link(q) {
            decode_ring_link(q).warnings
        } else {
            decode_link(q).warnings
        };
        if let Some(w) = warnings.first() {
            return Err(format!("line {line}: link: {w}"));
        }
        let mut run = q.to_string();
        for (k, v) in &view {
            run.push_str(&format!("&{k}={v}"));
        }
        run
    } else if get("protocol").is_some_and(|(_, _, v)| v == "ring") {
        ring_run(lines, &view)?
    } else {
        protocol_run(lines, &view, first)?
    };
    Ok((run, p))
}

/// A protocol's run: its settings, then the actions replayed on it (each must apply).
fn protocol_run(lines: &Lines, view: &[(&str, String)], first: usize) -> Result<String, String> {
    let get = |k: &str| lines.iter().find(|(_, key, _)| *key == k).copied();
    let protocol = match get("protocol") {
        Some((line, _, v)) => ProtocolKind::parse(v)
            .map_err(|e| format!("line {line}: {e}, or ring for consistent hashing"))?,
        None => {
            return Err(format!(
                "line {first}: a block names a protocol, a tour or a link"
            ))
        }
    };
    let mut s = Settings::for_protocol(protocol);
    let mut setting_line = first;
    for &(line, key, v) in lines.iter().filter(|(_, k, _)| !KEYS.contains(k)) {
        s.set(key, Some(v))
            .map_err(|e| format!("line {line}: {key}: {e}"))?;
        setting_line = line;
    }
    s.validate()
        .map_err(|e| format!("line {setting_line}: {e}"))?;
    let mut sim = AnySim::new(s).map_err(|e| format!("line {first}: {e}"))?;
    if let Some((line, _, actions)) = get("actions") {
        for text in actions.split(';').map(str::trim).filter(|a| !a.is_empty()) {
            let cmd = script::parse_command(text)
                .map_err(|e| format!("line {line}: action '{text}': {e}"))?;
            script::run_command(&mut sim, &cmd)
                .map_err(|e| format!("line {line}: action '{text}': {e}"))?;
        }
    }
    let view: Vec<(&str, &str)> = view.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(sim.link(&view))
}

/// The consistent-hashing page: its own words (nodes, vnodes, keys, replicas, seed, changes).
fn ring_run(lines: &Lines, view: &[(&str, String)]) -> Result<String, String> {
    let mut params = Params::default();
    for &(line, key, v) in lines.iter().filter(|(_, k, _)| !KEYS.contains(k)) {
        params
            .set(key, v)
            .map_err(|e| format!("line {line}: {key}: {e}"))?;
    }
    if let Some(&(line, key, _)) = lines.iter().find(|(_, k, _)| *k == "actions" || *k == "at") {
        return Err(format!(
            "line {line}: {key} is for protocols; the ring changes with changes: add6,remove2"
        ));
    }
    if let Some(why) = params.repair() {
        return Err(format!("line {}: {why}", lines[0].0));
    }
    let view: Vec<(&str, &str)> = view.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(encode_ring_link(&params, &view))
}

/// One block (its lines between the fences, numbered as in the chapter) as HTML, for the lab
/// at `lab` (its address as seen from the chapter, ending in `/`).
pub fn render(lines: &[(usize, &str)], lab: &str) -> Result<String, String> {
    let mut parsed: Lines = Vec::new();
    for &(line, text) in lines {
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (k, v) = text
            .split_once(':')
            .ok_or(format!("line {line}: expected 'key: value', got '{text}'"))?;
        let (k, v) = (k.trim(), v.trim());
        if v.is_empty() {
            return Err(format!("line {line}: {k} has no value"));
        }
        parsed.push((line, k, v));
    }
    let (run, p) = read_block(&parsed)?;
    let code = embed_code(lab, &run, &p);
    let full = format!("{lab}?{run}");
    let title = html(if p.title.trim().is_empty() {
        "Consensus Lab"
    } else {
        p.title.trim()
    });
    // embed.js turns the element into a frame when it is scrolled near; until then, or for a
    // reader without scripts, it is a link to the run.
    Ok(format!(
        "<figure class=\"consensus-lab\">\n<consensus-lab src=\"{}\" title=\"{title}\" \
         height=\"{}\"><a href=\"{}\">{title}: open it in Consensus Lab</a></consensus-lab>\n\
         </figure>",
        html(&code.src),
        p.height,
        html(&full)
    ))
}

/// Rewrites every `consensus-lab` block of a chapter; the errors name the line and the reason.
pub fn chapter(content: &str, lab: &str) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(content.len());
    let mut errors = Vec::new();
    let mut lines = content.split_inclusive('\n').enumerate();
    while let Some((i, line)) = lines.next() {
        let fence = line.trim_start();
        let indent = line.len() - fence.len();
        let opens = indent <= 3
            && fence
                .strip_prefix("```")
                .is_some_and(|info| info.trim() == FENCE);
        if !opens {
            out.push_str(line);
            continue;
        }
        let mut body = Vec::new();
        let mut closed = false;
        for (j, l) in lines.by_ref() {
            if l.trim() == "```" {
                closed = true;
                break;
            }
            body.push((j + 1, l));
        }
        if !closed {
            errors.push(format!(
                "line {}: the block is never closed with ```",
                i + 1
            ));
            break;
        }
        match render(&body, lab) {
            // Blank lines around: mdBook passes an HTML block through only on its own.
            Ok(h) => out.push_str(&format!("\n{h}\n\n")),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The lab's address from a chapter at `depth` folders below the book's root: a relative
/// address climbs out of those folders first.
pub fn lab_from(lab: &str, depth: usize) -> String {
    let lab = if lab.ends_with('/') {
        lab.to_string()
    } else {
        format!("{lab}/")
    };
    if lab.starts_with('/') || lab.contains("://") {
        lab
    } else {
        format!("{}{lab}", "../".repeat(depth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab_engine::session::open_link;

    fn block(text: &str) -> Result<String, String> {
        let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 2, l)).collect();
        render(&lines, "../")
    }

    fn src(html: &str) -> String {
        let start = html.find("src=\"").unwrap() + 5;
        let end = start + html[start..].find('"').unwrap();
        html[start..end].replace("&amp;", "&")
    }

    #[test]
    fn a_block_becomes_an_element_whose_fallback_is_a_link() {
        let h =
            block("protocol: raft\nseed: 3\nnodes: 5\nat: 2s\ntitle: A <Raft> election").unwrap();
        assert_eq!(
            h,
            "<figure class=\"consensus-lab\">\n<consensus-lab \
             src=\"../?protocol=raft&amp;seed=3&amp;t=2s&amp;embed=1&amp;autoplay=1&amp;v=1\" \
             title=\"A &lt;Raft&gt; election\" height=\"420\"><a \
             href=\"../?protocol=raft&amp;seed=3&amp;t=2s\">A &lt;Raft&gt; election: open it in \
             Consensus Lab</a></consensus-lab>\n</figure>"
        );
    }

    #[test]
    fn actions_are_replayed_and_the_link_opens_the_same_run() {
        let h = block(
            "protocol: raft\nseed: 3\nactions: at 1s crash leader; at 2s restart leader; at 2.5s heal\nat: 3s",
        );
        // `restart leader` names a leader that is up: the engine says why it cannot be.
        let e = h.unwrap_err();
        assert!(
            e.starts_with("line 4: action 'at 2s restart leader'"),
            "{e}"
        );
        let h = block("protocol: raft\nseed: 3\nactions: at 1s crash S1; at 2s restart S1\nat: 3s\ncontrols: off\nautoplay: off")
            .unwrap();
        let q = src(&h);
        let o = open_link(q.trim_start_matches("../?"));
        assert!(o.notices.is_empty(), "{:?}", o.notices);
        assert_eq!(o.sim.history().actions.len(), 2);
        assert_eq!(o.sim.now(), 3 * lab_engine::SECOND);
        assert!(q.contains("controls=0") && !q.contains("autoplay"), "{q}");
    }

    #[test]
    fn bad_blocks_fail_with_the_line_and_the_reason() {
        let cases = [
            ("protocol: pbft", "line 2: unknown protocol 'pbft'"),
            (
                "seed: 3",
                "line 2: a block names a protocol, a tour or a link",
            ),
            ("protocol: raft\nzoom: 2", "line 3: unknown key 'zoom'"),
            (
                "protocol: raft\nseed 3",
                "line 3: expected 'key: value', got 'seed 3'",
            ),
            (
                "protocol: raft\nseed: 3\nseed: 4",
                "line 4: seed is given twice",
            ),
            ("protocol: raft\nnodes: 40", "line 3: "),
            (
                "protocol: raft\nbug: paxos-accept-below-promise",
                "line 3: ",
            ),
            (
                "protocol: raft\nactions: at 1s crash S9",
                "line 3: action 'at 1s crash S9'",
            ),
            (
                "protocol: raft\nactions: explode S1",
                "line 3: action 'explode S1'",
            ),
            ("protocol: raft\nat: soon", "line 3: at: "),
            (
                "protocol: raft\nheight: 20",
                "line 3: height is 150 to 2000 (px), not '20'",
            ),
            (
                "protocol: raft\ncontrols: maybe",
                "line 3: controls is on or off, not 'maybe'",
            ),
            (
                "protocol: raft\nspeed: warp",
                "line 3: speed is smart or 0 to 8, not 'warp'",
            ),
            (
                "protocol: raft\ntheme: sepia",
                "line 3: theme is light, dark or auto, not 'sepia'",
            ),
            ("tour: raft-nope", "line 2: unknown tour 'raft-nope'"),
            (
                "tour: raft-election\nchapter: 99",
                "line 3: tour raft-election has chapters 1 to",
            ),
            ("chapter: 2\nprotocol: raft", "line 2: chapter needs a tour"),
            (
                "tour: raft-election\nseed: 4",
                "line 3: seed does not go with a tour",
            ),
            (
                "link: protocol=raft&frob=1",
                "line 2: link: ignored frob=1: unknown parameter 'frob'",
            ),
            (
                "link: protocol=raft\nprotocol: paxos",
                "line 3: protocol does not go with link",
            ),
            ("protocol: ring\nvnodes: 0", "line 3: vnodes: "),
            (
                "protocol: ring\nactions: at 1s crash S1",
                "line 3: actions is for protocols",
            ),
            ("protocol: raft\ntitle:", "line 3: title has no value"),
        ];
        for (text, want) in cases {
            let e = block(text).expect_err(text);
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn tours_rings_and_links_make_their_own_runs() {
        let t = src(&block("tour: raft-figure-8\nchapter: 2").unwrap());
        assert_eq!(t, "../?tour=raft-figure-8&ch=2&embed=1&autoplay=1&v=1");
        let r = src(&block("protocol: ring\nnodes: 4\nvnodes: 8\nchanges: add5").unwrap());
        assert!(r.starts_with("../?protocol=ring&nodes=4&vnodes=8"), "{r}");
        assert!(r.contains("changes=add5"), "{r}");
        let l = src(&block("link: p=2pc&n=4&seed=1&a=6.125000.c1\ntheme: dark").unwrap());
        assert_eq!(
            l,
            "../?p=2pc&n=4&seed=1&a=6.125000.c1&embed=1&autoplay=1&theme=dark&v=1"
        );
    }

    #[test]
    fn the_apps_mdbook_form_comes_out_as_the_apps_iframe() {
        // What Copy embed code gives, pasted into a chapter, loads what its iframe form loads.
        let run = open_link("protocol=raft&seed=7&a=1.400000.c2&t=1.5s").sim;
        let q = lab_engine::session::link_here(&run, &[("sel", "n3".into())]);
        let p = Presenter {
            title: "Raft, S2 crashed".into(),
            controls: false,
            looping: true,
            speed: Some(Speed::Fixed(6)),
            theme: Theme::Light,
            height: 500,
            ..Presenter::default()
        };
        let code = embed_code("../", &q, &p);
        let out = chapter(&format!("# Title\n\n{}\nMore text.\n", code.mdbook), "../").unwrap();
        assert_eq!(src(&out), code.src);
        assert!(out.contains("title=\"Raft, S2 crashed\"") && out.contains("height=\"500\""));
        assert!(
            out.starts_with("# Title\n\n\n<figure") && out.ends_with("</figure>\n\n\nMore text.\n")
        );
    }

    #[test]
    fn chapters_report_every_bad_block_and_an_unclosed_one() {
        let text = "# A\n```consensus-lab\nprotocol: nope\n```\ntext\n```consensus-lab\nprotocol: raft\nseed: x\n```\n```consensus-lab\nprotocol: raft\n";
        let e = chapter(text, "../").unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("line 3: unknown protocol 'nope'"), "{e:?}");
        assert!(e[1].starts_with("line 8: seed: "), "{e:?}");
        assert_eq!(e[2], "line 10: the block is never closed with ```");
        // Other code blocks are left alone.
        let rust = "```rust\nlet x = 1;\n```\n";
        assert_eq!(chapter(rust, "../").unwrap(), rust);
    }

    #[test]
    fn a_relative_lab_address_climbs_out_of_the_chapters_folder() {
        assert_eq!(lab_from("..", 0), "../");
        assert_eq!(lab_from("../", 2), "../../../");
        assert_eq!(lab_from("/lab/", 2), "/lab/");
        assert_eq!(lab_from("https://x.org/lab", 1), "https://x.org/lab/");
    }
}
