-- AI configuration from the console (issue 14, db/functions/442_ai_admin.sql). A person's decision on a risky tool call
-- may carry a note (AiToolDecision.Note: "refund above 100 € need a manager"); it is kept with the decision, so the
-- Worker can tell the model why a call was rejected, and the console shows who decided what and why.
alter table bot.ai_tool_approvals add column decision_note text check (length(decision_note) <= 1000);
