//! Read-only pictures of a simulation for the app: plain data, no generics, so views never
//! touch protocol types.

use super::clock;
use super::history::{LossReason, MsgId, TimerId};
use super::{Simulation, DROP_FADE};
use crate::catalog::Model;
use crate::node::{
    Members, Message, NodeId, NodeSummary, Section, StateTable, Time, TimerKind, TABLE_COLUMNS,
};
use crate::time::fmt_time;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub id: NodeId,
    pub up: bool,
    /// For a crashed node: how it looked when it went down, with role "crashed".
    pub summary: NodeSummary,
    /// Partition group: nodes in different groups cannot talk.
    pub group: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: &'static str,
    pub label: String,
    pub sent: Time,
    /// When it arrives, or dies if `lost` is set.
    pub arrives: Time,
    /// Set for a message that died (or will die) on its way, with when.
    pub lost: Option<(LossReason, Time)>,
}

impl MessageView {
    /// How far along its line the message is at `now`, from 0 (sender) to 1 (receiver).
    pub fn progress(&self, now: Time) -> f64 {
        let end = self.lost.map_or(self.arrives, |(_, t)| t);
        let span = self.arrives.saturating_sub(self.sent).max(1) as f64;
        (now.min(end).saturating_sub(self.sent)) as f64 / span
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimerView {
    pub id: TimerId,
    pub node: NodeId,
    pub label: String,
    pub set_at: Time,
    pub fires_at: Time,
}

/// Everything the cluster view draws for one frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    pub now: Time,
    pub events: u64,
    pub nodes: Vec<NodeView>,
    /// In flight, plus recently lost ones (with `lost` set) so their death shows.
    pub messages: Vec<MessageView>,
    pub timers: Vec<TimerView>,
    pub cut_links: Vec<(NodeId, NodeId)>,
    pub acked: u64,
    pub requests: u64,
}

fn crashed(mut s: NodeSummary) -> NodeSummary {
    s.role = "crashed".into();
    s.class = "crashed";
    s
}

impl<P: Model> Simulation<P> {
    fn message_view(m: &super::InFlight<P::Msg>) -> MessageView {
        MessageView {
            id: m.id,
            from: m.from,
            to: m.to,
            kind: P::MESSAGE_KINDS[m.msg.kind()],
            label: m.msg.label(),
            sent: m.sent,
            arrives: m.deliver_at,
            lost: m.doomed.map(|r| (r, m.deliver_at)),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let w = &self.world;
        let nodes = w
            .nodes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let id = NodeId::from_idx(i);
                let summary = match s {
                    Some(s) => self.proto.summary(s),
                    None => crashed(w.last_seen[i].clone().unwrap_or_else(|| NodeSummary {
                        role: String::new(),
                        class: "",
                        term: 0,
                        term_label: String::new(),
                        log: Vec::new(),
                        log_len: 0,
                        committed: 0,
                        value: None,
                        decision: None,
                    })),
                };
                NodeView {
                    id,
                    up: s.is_some(),
                    summary,
                    group: w.net.groups()[i],
                }
            })
            .collect();
        let mut messages: Vec<MessageView> = w.inflight.values().map(Self::message_view).collect();
        for d in &w.drops {
            if d.died_at + DROP_FADE >= w.now && d.died_at <= w.now {
                let mut v = Self::message_view(&d.flight);
                if d.flight.doomed.is_none() {
                    // Died at arrival (receiver down, partition) or where the user dropped it.
                    v.arrives = d.flight.deliver_at.max(d.died_at);
                }
                v.lost = Some((d.reason, d.died_at));
                messages.push(v);
            }
        }
        let timers = w
            .timers
            .values()
            .map(|t| TimerView {
                id: t.id,
                node: t.node,
                label: t.timer.label(),
                set_at: t.set_at,
                fires_at: t.fires_at,
            })
            .collect();
        Snapshot {
            now: w.now,
            events: w.events,
            nodes,
            messages,
            timers,
            cut_links: w.net.cut_links().copied().collect(),
            acked: w.acked,
            requests: w.next_request - 1,
        }
    }

    /// The membership as live node `id` sees it; `None` when it is down or the membership is
    /// fixed.
    pub fn members(&self, id: NodeId) -> Option<Members> {
        let s = self.world.nodes.get(id.idx())?.as_ref()?;
        self.proto.members(s)
    }

    /// The state table under the cluster: one row per node (a crashed node's from its stable
    /// storage), columns aligned by index, slot or transaction (or the protocol's named
    /// columns), and the marks of the highest-ranked node that has any (the leader of the
    /// highest term) on the others' rows. It changes only with events: build it once per event
    /// count, not per frame.
    pub fn state_table(&self) -> StateTable {
        let layout = self.proto.table_layout();
        let w = &self.world;
        let mut rows: Vec<_> = w
            .nodes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let node = NodeId::from_idx(i);
                let mut row = match s {
                    Some(s) => self.proto.table_row(s),
                    None => self.proto.table_row_durable(&w.durable[i]),
                };
                row.node = node;
                row.up = s.is_some();
                row
            })
            .collect();
        let marks = w
            .nodes
            .iter()
            .flatten()
            .filter_map(|s| self.proto.table_marks(s))
            // The first of the highest rank: ties only under a buggy variant.
            .fold(None, |best: Option<(u64, Vec<_>)>, (rank, m)| match best {
                Some((r, _)) if r >= rank => best,
                _ => Some((rank, m)),
            });
        for (node, mark) in marks.map(|(_, m)| m).unwrap_or_default() {
            if let Some(row) = rows.get_mut(node.idx()) {
                row.marks.push(mark);
            }
        }
        let mut hidden = 0;
        let columns = if layout.named.is_empty() {
            let last = rows
                .iter()
                .flat_map(|r| {
                    let cells = r.cells.iter().map(|c| c.key);
                    cells.chain(r.marks.iter().map(|m| m.key))
                })
                .max()
                .unwrap_or(0);
            let first = if layout.log {
                1
            } else {
                rows.iter()
                    .flat_map(|r| r.cells.iter().map(|c| c.key))
                    .min()
                    .unwrap_or(1)
            };
            // A long log shows its newest columns: older ones are counted, not drawn.
            let first = first.max(last.saturating_sub(TABLE_COLUMNS) + 1);
            for row in &mut rows {
                row.cells.retain(|c| c.key >= first);
            }
            hidden = first.saturating_sub(1);
            (first..=last)
                .map(|k| (k, format!("{}{k}", layout.prefix)))
                .collect()
        } else {
            layout
                .named
                .iter()
                .map(|(k, name)| (*k, name.to_string()))
                .collect()
        };
        StateTable {
            title: layout.title.into(),
            unit: layout.unit.into(),
            columns,
            log: layout.log,
            hidden,
            legend: layout.legend,
            rows,
        }
    }

    /// The inspector's sections for a node, live or crashed, and its clock when clocks drift.
    pub fn inspect_node(&self, id: NodeId) -> Vec<Section> {
        let mut v = self.inspect_protocol(id);
        if !self.world.rates.is_empty() {
            let rate = self.world.rate(id);
            v.push(Section::Fields {
                title: "Clock".into(),
                fields: vec![
                    ("rate".into(), clock::describe(rate)),
                    (
                        "reads".into(),
                        fmt_time(clock::local_time(self.world.now, rate)),
                    ),
                    (
                        "drift bound".into(),
                        format!("± {}", f64::from(self.settings.drift_ppm) / 1e6),
                    ),
                ],
            });
        }
        v
    }

    fn inspect_protocol(&self, id: NodeId) -> Vec<Section> {
        match self.node(id) {
            Some(s) => self.proto.inspect(s),
            None => {
                let mut v = vec![Section::Fields {
                    title: "Crashed".into(),
                    fields: vec![(
                        "state".into(),
                        "down: only what it persisted survives".into(),
                    )],
                }];
                if let Some(d) = self.durable(id) {
                    v.extend(self.proto.inspect_durable(d));
                }
                v
            }
        }
    }

    /// Every field of an in-flight message, for the inspector.
    pub fn inspect_message(&self, id: MsgId) -> Option<(MessageView, Vec<(String, String)>)> {
        let m = self.world.inflight.get(&id)?;
        Some((Self::message_view(m), m.msg.fields()))
    }
}
