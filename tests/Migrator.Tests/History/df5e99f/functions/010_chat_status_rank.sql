-- Order of delivery states. A status only ever moves a message forward, so a late "delivered" never
-- overwrites "read". failed sits between sent and delivered: Meta can fail a sent message, but a message
-- the customer's phone already has cannot fail afterwards.
create or replace function chat.status_rank(p_status text) returns smallint
language sql immutable parallel safe as $$
    select case p_status
        when 'received'  then 0
        when 'queued'    then 0
        when 'sent'      then 10
        when 'failed'    then 15
        when 'delivered' then 20
        when 'read'      then 30
        when 'played'    then 40
        else null
    end::smallint
$$;
