using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace DefenderPS.Demo;

/// <summary>The type of a filterable property, as the service's OData model declares it.</summary>
internal enum ODataType
{
    String,
    Number,
    DateTimeOffset,
    StringCollection,
}

/// <summary>A query the service would refuse with 400; <see cref="Code"/> is the error code it sends.</summary>
internal sealed class ODataQueryException : Exception
{
    public ODataQueryException(string message, string code = "ODataError")
        : base(message)
    {
        Code = code;
    }

    public string Code { get; }
}

/// <summary>
/// The <c>$filter</c> subset the Defender API documents: <c>eq ne gt ge lt le</c>, <c>and</c>, <c>or</c>, parentheses,
/// <c>startswith(prop,'x')</c> and <c>prop/any(t: t eq 'x')</c> over string, number and unquoted ISO 8601 date literals,
/// on the filterable properties of one entity set only. Anything else throws <see cref="ODataQueryException"/>, as the
/// service answers 400, so a client that escapes badly fails loudly instead of widening its result.
/// </summary>
/// <remarks>
/// Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.
/// Strings compare case-insensitively (assumed of the service, not confirmed); a null property matches only <c>eq null</c> and <c>ne</c>.
/// </remarks>
internal sealed class ODataFilter
{
    private readonly Node _root;

    private ODataFilter(Node root) => _root = root;

    /// <param name="filterable">Property name (camelCase, as on the wire) to type; names in the filter match case-insensitively.</param>
    public static ODataFilter Parse(string text, string entitySetName, IReadOnlyDictionary<string, ODataType> filterable)
    {
        var parser = new Parser(text, entitySetName, filterable);
        return new ODataFilter(parser.ParseWhole());
    }

    public bool Matches(JsonElement entity) => _root.Matches(entity, default);

    // One token: its kind, its text (decoded for strings) and where it started, for messages.
    private enum TokenKind
    {
        End,
        Identifier,
        Literal,
        String,
        OpenParen,
        CloseParen,
        Comma,
        Colon,
        Slash,
    }

    private struct Token
    {
        public TokenKind Kind;
        public string Text;
        public int Position;
    }

    private abstract class Node
    {
        /// <param name="lambdaItem">Inside <c>any(...)</c>: the collection element the lambda variable stands for.</param>
        public abstract bool Matches(JsonElement entity, JsonElement lambdaItem);
    }

    private sealed class AndNode : Node
    {
        public Node Left = null!;
        public Node Right = null!;

        public override bool Matches(JsonElement entity, JsonElement lambdaItem) => Left.Matches(entity, lambdaItem) && Right.Matches(entity, lambdaItem);
    }

    private sealed class OrNode : Node
    {
        public Node Left = null!;
        public Node Right = null!;

        public override bool Matches(JsonElement entity, JsonElement lambdaItem) => Left.Matches(entity, lambdaItem) || Right.Matches(entity, lambdaItem);
    }

    /// <summary>A property of the entity, or the lambda variable (<see cref="Name"/> null).</summary>
    private sealed class Operand
    {
        public string? Name;
        public ODataType Type;

        public JsonElement Value(JsonElement entity, JsonElement lambdaItem) =>
            Name is null ? lambdaItem
            : entity.ValueKind == JsonValueKind.Object && entity.TryGetProperty(Name, out var value) ? value
            : default;
    }

    private sealed class Literal
    {
        public ODataType? Type; // null for the null literal
        public string? String;
        public decimal Number;
        public DateTimeOffset Date;
        public string Text = "";
    }

    private sealed class CompareNode : Node
    {
        public Operand Operand = null!;
        public string Operator = "";
        public Literal Literal = null!;

        public override bool Matches(JsonElement entity, JsonElement lambdaItem)
        {
            var value = Operand.Value(entity, lambdaItem);
            var isNull = value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;
            if (Literal.Type is null || isNull)
            {
                // OData: null equals only null; any ordering against null is false.
                var bothNull = isNull && Literal.Type is null;
                return Operator == "eq" ? bothNull : Operator == "ne" && !bothNull;
            }

            int order;
            switch (Operand.Type)
            {
                case ODataType.Number:
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number))
                    {
                        return false;
                    }

                    order = number.CompareTo(Literal.Number);
                    break;
                case ODataType.DateTimeOffset:
                    if (value.ValueKind != JsonValueKind.String || !TryParseDate(value.GetString()!, out var date))
                    {
                        return false;
                    }

                    order = date.CompareTo(Literal.Date);
                    break;
                default:
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    order = string.Compare(value.GetString(), Literal.String, StringComparison.OrdinalIgnoreCase);
                    break;
            }

            switch (Operator)
            {
                case "eq": return order == 0;
                case "ne": return order != 0;
                case "gt": return order > 0;
                case "ge": return order >= 0;
                case "lt": return order < 0;
                default: return order <= 0;
            }
        }
    }

    private sealed class StartsWithNode : Node
    {
        public Operand Operand = null!;
        public string Prefix = "";

        public override bool Matches(JsonElement entity, JsonElement lambdaItem)
        {
            var value = Operand.Value(entity, lambdaItem);
            return value.ValueKind == JsonValueKind.String && value.GetString()!.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
        }
    }

    private sealed class AnyNode : Node
    {
        public string Collection = "";
        public Node? Predicate; // null: any() with no lambda, true for a non-empty collection

        public override bool Matches(JsonElement entity, JsonElement lambdaItem)
        {
            if (!entity.TryGetProperty(Collection, out var items) || items.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var item in items.EnumerateArray())
            {
                if (Predicate is null || Predicate.Matches(entity, item))
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal static bool TryParseDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);

    private sealed class Parser
    {
        private static readonly HashSet<string> ComparisonOperators = new HashSet<string>(StringComparer.Ordinal) { "eq", "ne", "gt", "ge", "lt", "le" };

        private readonly string _text;
        private readonly string _entitySetName;
        private readonly IReadOnlyDictionary<string, ODataType> _filterable;
        private readonly Dictionary<string, string> _canonicalNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private int _position;
        private Token _current;
        private string? _lambdaVariable;

        public Parser(string text, string entitySetName, IReadOnlyDictionary<string, ODataType> filterable)
        {
            _text = text;
            _entitySetName = entitySetName;
            _filterable = filterable;
            foreach (var name in filterable.Keys)
            {
                _canonicalNames[name] = name;
            }

            Advance();
        }

        public Node ParseWhole()
        {
            if (_current.Kind == TokenKind.End)
            {
                throw Error("The $filter query option is empty.");
            }

            var node = ParseOr();
            if (_current.Kind != TokenKind.End)
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': unexpected '{_current.Text}'.");
            }

            return node;
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("or"))
            {
                Advance();
                left = new OrNode { Left = left, Right = ParseAnd() };
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParsePrimary();
            while (IsKeyword("and"))
            {
                Advance();
                left = new AndNode { Left = left, Right = ParsePrimary() };
            }

            return left;
        }

        private Node ParsePrimary()
        {
            if (_current.Kind == TokenKind.OpenParen)
            {
                Advance();
                var inner = ParseOr();
                Expect(TokenKind.CloseParen, "')'");
                return inner;
            }

            if (_current.Kind != TokenKind.Identifier)
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': expected a property name, '(' or startswith, found {Describe(_current)}.");
            }

            var name = _current.Text;
            var position = _current.Position;
            Advance();

            if (_current.Kind == TokenKind.OpenParen)
            {
                return ParseFunction(name, position);
            }

            if (_current.Kind == TokenKind.Slash)
            {
                return ParseAny(name);
            }

            var operand = ResolveOperand(name);
            if (operand.Type == ODataType.StringCollection)
            {
                throw Error($"The property '{operand.Name}' is a collection: filter it with {operand.Name}/any(x: x eq 'value').");
            }

            if (_current.Kind != TokenKind.Identifier || !ComparisonOperators.Contains(_current.Text))
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': expected eq, ne, gt, ge, lt or le after '{name}', found {Describe(_current)}.");
            }

            var op = _current.Text;
            Advance();
            var literal = ParseLiteral();
            CheckCompatible(operand, literal);
            return new CompareNode { Operand = operand, Operator = op, Literal = literal };
        }

        private Node ParseFunction(string name, int position)
        {
            if (name != "startswith")
            {
                throw Error($"The function '{name}' at position {position} is not supported; only startswith is.");
            }

            Advance();
            if (_current.Kind != TokenKind.Identifier)
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': startswith expects a property name first.");
            }

            var operand = ResolveOperand(_current.Text);
            Advance();
            Expect(TokenKind.Comma, "','");
            var literal = ParseLiteral();
            Expect(TokenKind.CloseParen, "')'");
            if (operand.Type != ODataType.String || literal.Type != ODataType.String)
            {
                throw Error($"startswith needs a string property and a quoted string; got '{operand.Name ?? _lambdaVariable}' and {literal.Text}.");
            }

            return new StartsWithNode { Operand = operand, Prefix = literal.String! };
        }

        private Node ParseAny(string collectionName)
        {
            var collection = ResolveOperand(collectionName);
            if (collection.Type != ODataType.StringCollection || collection.Name is null)
            {
                throw Error($"'{collectionName}' is not a collection property; any() applies to collections such as machineTags.");
            }

            Advance();
            if (_current.Kind != TokenKind.Identifier || _current.Text != "any")
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': only the any() lambda is supported after '/'.");
            }

            Advance();
            Expect(TokenKind.OpenParen, "'('");
            if (_current.Kind == TokenKind.CloseParen)
            {
                Advance();
                return new AnyNode { Collection = collection.Name };
            }

            if (_lambdaVariable is not null || _current.Kind != TokenKind.Identifier)
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': expected a lambda variable, as in any(tag: tag eq 'x').");
            }

            _lambdaVariable = _current.Text;
            Advance();
            Expect(TokenKind.Colon, "':'");
            var predicate = ParseOr();
            Expect(TokenKind.CloseParen, "')'");
            _lambdaVariable = null;
            return new AnyNode { Collection = collection.Name, Predicate = predicate };
        }

        private Operand ResolveOperand(string name)
        {
            if (_lambdaVariable is not null && name == _lambdaVariable)
            {
                return new Operand { Name = null, Type = ODataType.String };
            }

            if (!_canonicalNames.TryGetValue(name, out var canonical))
            {
                throw Error($"The property '{name}' cannot be used in $filter on {_entitySetName}; filterable properties are: {string.Join(", ", _filterable.Keys)}.");
            }

            return new Operand { Name = canonical, Type = _filterable[canonical] };
        }

        private Literal ParseLiteral()
        {
            var token = _current;
            Advance();
            switch (token.Kind)
            {
                case TokenKind.String:
                    return new Literal { Type = ODataType.String, String = token.Text, Text = "'" + token.Text.Replace("'", "''") + "'" };
                case TokenKind.Identifier when token.Text == "null":
                    return new Literal { Type = null, Text = "null" };
                case TokenKind.Literal:
                    if (token.Text.IndexOf('-', 1) < 0 && token.Text.IndexOf(':') < 0
                        && decimal.TryParse(token.Text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                    {
                        return new Literal { Type = ODataType.Number, Number = number, Text = token.Text };
                    }

                    if (token.Text.IndexOf('-', 1) > 0 && TryParseDate(token.Text, out var date))
                    {
                        return new Literal { Type = ODataType.DateTimeOffset, Date = date, Text = token.Text };
                    }

                    throw Error($"'{token.Text}' at position {token.Position} is neither a number nor an ISO 8601 date.");
                default:
                    throw Error($"Syntax error at position {token.Position} in '{_text}': expected a value (a 'quoted string', a number, an unquoted date or null), found {Describe(token)}.");
            }
        }

        private void CheckCompatible(Operand operand, Literal literal)
        {
            if (literal.Type is null || literal.Type == operand.Type)
            {
                return;
            }

            var name = operand.Name ?? _lambdaVariable;
            throw Error($"A binary operator with incompatible types was detected: '{name}' is {EdmName(operand.Type)} and {literal.Text} is {EdmName(literal.Type.Value)}"
                + (operand.Type == ODataType.DateTimeOffset ? " (dates go unquoted, e.g. 2024-01-31T00:00:00Z)." : "."));
        }

        private static string EdmName(ODataType type) => type switch
        {
            ODataType.Number => "a number",
            ODataType.DateTimeOffset => "Edm.DateTimeOffset",
            ODataType.StringCollection => "a collection",
            _ => "Edm.String",
        };

        private bool IsKeyword(string keyword) => _current.Kind == TokenKind.Identifier && _current.Text == keyword;

        private void Expect(TokenKind kind, string what)
        {
            if (_current.Kind != kind)
            {
                throw Error($"Syntax error at position {_current.Position} in '{_text}': expected {what}, found {Describe(_current)}.");
            }

            Advance();
        }

        private static string Describe(Token token) => token.Kind == TokenKind.End ? "the end of the filter" : $"'{token.Text}'";

        private static ODataQueryException Error(string message) => new ODataQueryException("Invalid filter clause: " + message);

        private void Advance()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }

            var start = _position;
            _current = new Token { Position = start, Text = "" };
            if (_position >= _text.Length)
            {
                _current.Kind = TokenKind.End;
                return;
            }

            var c = _text[_position];
            switch (c)
            {
                case '(': Single(TokenKind.OpenParen); return;
                case ')': Single(TokenKind.CloseParen); return;
                case ',': Single(TokenKind.Comma); return;
                case ':': Single(TokenKind.Colon); return;
                case '/': Single(TokenKind.Slash); return;
                case '\'':
                    _current.Kind = TokenKind.String;
                    _current.Text = ReadString();
                    return;
            }

            if (char.IsLetter(c) || c == '_')
            {
                while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] == '_'))
                {
                    _position++;
                }

                _current.Kind = TokenKind.Identifier;
            }
            else if (char.IsDigit(c) || c == '-')
            {
                // Numbers and unquoted dates (2024-01-31T08:00:00.5+01:00): told apart when parsed.
                while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] is '-' or ':' or '.' or '+'))
                {
                    _position++;
                }

                _current.Kind = TokenKind.Literal;
            }
            else
            {
                throw Error($"Syntax error at position {start} in '{_text}': unexpected character '{c}'.");
            }

            _current.Text = _text.Substring(start, _position - start);

            void Single(TokenKind kind)
            {
                _position++;
                _current.Kind = kind;
                _current.Text = c.ToString();
            }
        }

        // A single-quoted string; '' stands for one quote.
        private string ReadString()
        {
            var start = _position;
            var value = new System.Text.StringBuilder();
            _position++;
            while (_position < _text.Length)
            {
                var c = _text[_position++];
                if (c != '\'')
                {
                    value.Append(c);
                }
                else if (_position < _text.Length && _text[_position] == '\'')
                {
                    value.Append('\'');
                    _position++;
                }
                else
                {
                    return value.ToString();
                }
            }

            throw Error($"Syntax error at position {start} in '{_text}': the string starting there is not closed with a quote.");
        }
    }
}
