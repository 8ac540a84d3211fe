namespace Funnel.Core.Tests;

public sealed class IdsTests
{
    [Theory]
    [InlineData("s1")]
    [InlineData("north-01")]
    [InlineData("spring.2026_a")]
    public void Ordinary_ids_pass(string id) => Assert.True(Ids.IsValid(id));

    /// <summary>Every control character, at the end (where "$" would have let a newline through), inside and in front.</summary>
    [Fact]
    public void No_control_character_passes_anywhere()
    {
        for (var c = '\0'; c < ' '; c++)
        {
            Assert.False(Ids.IsValid("p" + c), $"an id ending in U+{(int)c:X4} passed");
            Assert.False(Ids.IsValid("p" + c + "q"), $"an id holding U+{(int)c:X4} passed");
            Assert.False(Ids.IsValid(c + "p"), $"an id starting with U+{(int)c:X4} passed");
        }
        Assert.False(Ids.IsValid("p\u007f"));
        Assert.False(Ids.IsValid("p\r\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData("a|b")]
    [InlineData("a/b")]
    public void Separators_and_empty_ids_fail(string id) => Assert.False(Ids.IsValid(id));

    [Fact]
    public void Ids_are_at_most_64_characters() =>
        Assert.Equal((true, false), (Ids.IsValid(new string('a', Ids.MaxLength)), Ids.IsValid(new string('a', Ids.MaxLength + 1))));
}
