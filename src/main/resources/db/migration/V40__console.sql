-- console: who replayed a dead letter and what came of it, and an audit trail of every operator action.
alter table dead_letter add column replayed_by text;
-- REPLAYED, FAILED_AGAIN (a new dead letter took its place), IN_PROGRESS
alter table dead_letter add column replay_result text;
create index dead_letter_open_idx on dead_letter (created_at desc) where replayed_at is null;

create table console_action (
    id       bigserial primary key,
    at       timestamptz not null default now(),
    username text not null,
    -- REPLAY_DEAD_LETTER, REPLAY_DELIVERY
    action   text not null,
    target   text not null,
    outcome  text not null,
    detail   text
);
create index console_action_at_idx on console_action (at desc);
