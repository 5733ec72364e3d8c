namespace MultichannelMessages.Front.Components.Admin;

/// <summary>One form's refusals on the Admin page, worded by <c>admin.error.{code}</c> where the Admin screen words a
/// code its own way.</summary>
public sealed class AdminErrors() : FormErrors("admin.error.");
