-- Issue 13, second part: the price table behind a campaign's cost estimate, the timer that reads each number's
-- messaging limit, throughput and quality from the Graph API, and the indexes of the campaign's live rate chart.

-- Meta charges per delivered template message by the recipient's market (the country of the phone number's calling
-- code) and the template's category; utility templates delivered inside an open service window are free. One table
-- for the installation (Meta's rates are the same for every business; a BSP's own fee is not Meta's). market: ISO
-- 3166 alpha-2, or '*' for every market without its own row (Meta's "Other").
create table mass.message_prices (
    market          text not null check (market ~ '^([A-Z]{2}|\*)$'),
    category        text not null check (category in ('marketing', 'utility', 'authentication')),
    currency        text not null check (currency ~ '^[A-Z]{3}$'),
    price           numeric(12, 6) not null check (price >= 0),
    effective_from  date not null,
    updated_at      timestamptz not null default now(),
    primary key (market, category)
);

-- The starting table: Meta's USD list rates of its rate card effective 2025-07-01 (per-message pricing;
-- developers.facebook.com/docs/whatsapp/pricing), marketing and utility, for the markets this product's customers
-- message most. Meta revises them every quarter: operators replace the table (Platform → Prices, or PUT
-- /platform/message-prices), and the estimate warns (prices_stale) when it is older than 180 days.
insert into mass.message_prices (market, category, currency, price, effective_from)
select m.market, c.category, 'USD', case c.category when 'marketing' then m.marketing else m.utility end, date '2025-07-01'
from (values ('AR', 0.0618, 0.0260), ('BR', 0.0625, 0.0068), ('CL', 0.0889, 0.0200), ('CO', 0.0125, 0.0008),
             ('DE', 0.1365, 0.0550), ('ES', 0.0615, 0.0200), ('FR', 0.0859, 0.0300), ('GB', 0.0529, 0.0220),
             ('IN', 0.0118, 0.0014), ('IT', 0.0691, 0.0300), ('MX', 0.0305, 0.0085), ('NL', 0.1597, 0.0500),
             ('PE', 0.0703, 0.0200), ('US', 0.0250, 0.0040), ('CA', 0.0250, 0.0040), ('*', 0.0604, 0.0077))
     as m(market, marketing, utility)
cross join (values ('marketing'), ('utility')) as c(category);

-- When the Worker last read the number's limits from the Graph API (claimed by setting it, so two Workers do not read
-- the same number twice in one interval).
alter table meta.accounts add column limits_checked_at timestamptz;

-- The rate chart reads a campaign's recent minutes, not the whole campaign.
create index recipients_sent_idx on mass.recipients (campaign_id, sent_at) where sent_at is not null;
create index recipients_failed_idx on mass.recipients (campaign_id, failed_at) where failed_at is not null;
