-- The ten schemas of DESIGN.md. Later migrations fill them; creating them all now fixes the map.
create schema if not exists core;
create schema if not exists meta;
create schema if not exists chat;
create schema if not exists bot;
create schema if not exists classify;
create schema if not exists mass;
create schema if not exists calls;
create schema if not exists internal;
create schema if not exists ops;
create schema if not exists legacy;
