// The wire records the console reads and writes, defined once in src/Contracts for the Core API and the Front.
global using MultichannelMessages.Contracts.Auth;
global using MultichannelMessages.Contracts.Collaboration;
global using MultichannelMessages.Contracts.Consent;
global using MultichannelMessages.Contracts.Console;
global using MultichannelMessages.Contracts.Conversations;
global using MultichannelMessages.Contracts.Initiation;
global using MultichannelMessages.Contracts.InternalChat;
global using MultichannelMessages.Contracts.Operations;
global using MultichannelMessages.Contracts.People;
global using MultichannelMessages.Contracts.MetaAdmin;
global using MultichannelMessages.Contracts.Projects;
global using MultichannelMessages.Contracts.Realtime;
global using MultichannelMessages.Contracts.Search;
global using MultichannelMessages.Contracts.Settings;
global using MultichannelMessages.Contracts.Team;
global using MultichannelMessages.Contracts.Templates;
global using MultichannelMessages.Contracts.Window;
