namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>
/// The changes a person makes to their dashboard, as functions from one layout to the next (the page saves each result
/// through the Core API). A tile is placed once; the page shows tiles by group (Data, Information, Knowledge), so moving
/// a tile up or down puts it before or after its neighbour in its own group.
/// </summary>
public static class LayoutEditing
{
    public static readonly string[] Sizes = ["s", "m", "l"];

    public static LayoutTile[] Add(LayoutTile[] tiles, TileDefinition tile) =>
        tiles.Any(t => t.Key == tile.Key) ? tiles : [.. tiles, new LayoutTile(tile.Key, tile.Chart == ChartKinds.Figure ? "s" : "m")];

    public static LayoutTile[] Remove(LayoutTile[] tiles, string key) => [.. tiles.Where(t => t.Key != key)];

    /// <summary>Moves a tile one place (<paramref name="delta"/> −1 or +1) among the tiles of its group.</summary>
    public static LayoutTile[] Move(LayoutTile[] tiles, string key, int delta, Func<string, string?> groupOf)
    {
        var at = Array.FindIndex(tiles, t => t.Key == key);
        if (at < 0) return tiles;
        var group = groupOf(key);
        var other = at + delta;
        while (other >= 0 && other < tiles.Length && groupOf(tiles[other].Key) != group) other += delta;
        if (other < 0 || other >= tiles.Length) return tiles;
        // Taken out and put back just before (or after) the other: the rest keep their order.
        var moved = tiles.ToList();
        moved.RemoveAt(at);
        moved.Insert(other, tiles[at]);
        return [.. moved];
    }

    public static LayoutTile[] Resize(LayoutTile[] tiles, string key, string size) =>
        Sizes.Contains(size) ? Replace(tiles, key, t => t with { Size = size }) : tiles;

    /// <summary>Draws a tile as another of its kinds; its default kind is stored as null (a later default follows).</summary>
    public static LayoutTile[] Draw(LayoutTile[] tiles, TileDefinition tile, string chart) =>
        tile.Charts.Contains(chart) ? Replace(tiles, tile.Key, t => t with { Chart = chart == tile.Chart ? null : chart }) : tiles;

    /// <summary>Whether a tile is among its group's first or last (its move up or down does nothing).</summary>
    public static bool IsEdge(LayoutTile[] tiles, string key, int delta, Func<string, string?> groupOf) =>
        ReferenceEquals(Move(tiles, key, delta, groupOf), tiles);

    private static LayoutTile[] Replace(LayoutTile[] tiles, string key, Func<LayoutTile, LayoutTile> change) =>
        [.. tiles.Select(t => t.Key == key ? change(t) : t)];
}
