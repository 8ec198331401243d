using System.Net;
using System.Text;

namespace ClassicCnn.Tool.Site;

/// <summary>
/// Turns the TeX of the notebooks' formulas into MathML, which browsers draw themselves (no script, no network, no
/// font files). It covers the part of TeX the series writes: letters, numbers, operators, sub- and superscripts,
/// groups, fractions, roots, Greek letters, function names, spacing and common symbols. Anything else is reported,
/// and the formula is then shown as its TeX source.
/// </summary>
public static class TexMath
{
    static readonly Dictionary<string, string> Symbols = new()
    {
        ["pm"] = "±", ["mp"] = "∓", ["times"] = "×", ["cdot"] = "·", ["div"] = "÷", ["le"] = "≤", ["leq"] = "≤",
        ["ge"] = "≥", ["geq"] = "≥", ["ne"] = "≠", ["neq"] = "≠", ["approx"] = "≈", ["sim"] = "∼", ["equiv"] = "≡",
        ["to"] = "→", ["rightarrow"] = "→", ["leftarrow"] = "←", ["Rightarrow"] = "⇒", ["in"] = "∈", ["sum"] = "∑",
        ["prod"] = "∏", ["int"] = "∫", ["partial"] = "∂", ["nabla"] = "∇", ["infty"] = "∞", ["ldots"] = "…",
        ["cdots"] = "⋯", ["dots"] = "…", ["lvert"] = "|", ["rvert"] = "|", ["|"] = "‖", ["{"] = "{", ["}"] = "}",
        ["langle"] = "⟨", ["rangle"] = "⟩", ["circ"] = "∘", ["odot"] = "⊙", ["otimes"] = "⊗", ["ast"] = "∗",
    };

    static readonly Dictionary<string, string> Greek = new()
    {
        ["alpha"] = "α", ["beta"] = "β", ["gamma"] = "γ", ["delta"] = "δ", ["epsilon"] = "ϵ", ["varepsilon"] = "ε",
        ["zeta"] = "ζ", ["eta"] = "η", ["theta"] = "θ", ["iota"] = "ι", ["kappa"] = "κ", ["lambda"] = "λ", ["mu"] = "μ",
        ["nu"] = "ν", ["xi"] = "ξ", ["pi"] = "π", ["rho"] = "ρ", ["sigma"] = "σ", ["tau"] = "τ", ["phi"] = "ϕ",
        ["varphi"] = "φ", ["chi"] = "χ", ["psi"] = "ψ", ["omega"] = "ω", ["Gamma"] = "Γ", ["Delta"] = "Δ",
        ["Theta"] = "Θ", ["Lambda"] = "Λ", ["Pi"] = "Π", ["Sigma"] = "Σ", ["Phi"] = "Φ", ["Psi"] = "Ψ", ["Omega"] = "Ω",
    };

    static readonly HashSet<string> Functions =
        ["sin", "cos", "tan", "tanh", "sinh", "cosh", "exp", "log", "ln", "max", "min", "arg", "argmax", "argmin", "det", "lim", "sup", "inf"];

    static readonly Dictionary<string, string> Spaces = new()
    {
        [","] = "0.1667em", [":"] = "0.2222em", [";"] = "0.2778em", ["!"] = "-0.1667em", ["quad"] = "1em", ["qquad"] = "2em", [" "] = "0.25em",
    };

    /// <summary>MathML for <paramref name="tex"/>; on TeX outside the subset, the source in a code span and the reason.</summary>
    public static (string Html, string? Problem) ToHtml(string tex, bool display)
    {
        try
        {
            var parser = new Parser(tex);
            string row = parser.Row(closing: null);
            string block = display ? " display=\"block\"" : "";
            return ($"<math{block}><semantics><mrow>{row}</mrow><annotation encoding=\"application/x-tex\">{WebUtility.HtmlEncode(tex)}</annotation></semantics></math>", null);
        }
        catch (FormatException e)
        {
            return ($"<code class=\"tex\">{WebUtility.HtmlEncode(tex)}</code>", $"the formula ${tex}$ {e.Message}");
        }
    }

    sealed class Parser(string tex)
    {
        int at;

        public string Row(char? closing)
        {
            var row = new StringBuilder();
            while (true)
            {
                SkipSpaces();
                if (at >= tex.Length)
                {
                    if (closing is not null) throw new FormatException($"has a '{{' that is never closed.");
                    return row.ToString();
                }
                if (tex[at] == closing) { at++; return row.ToString(); }
                if (tex[at] == '}') throw new FormatException("has a '}' without its '{'.");
                string atom = Atom();
                row.Append(Scripts(atom));
            }
        }

        /// <summary>Sub- and superscripts after an atom, in either order.</summary>
        string Scripts(string atom)
        {
            string? sub = null, sup = null;
            while (true)
            {
                SkipSpaces();
                if (at < tex.Length && tex[at] == '_' && sub is null) { at++; sub = Argument(); }
                else if (at < tex.Length && tex[at] == '^' && sup is null) { at++; sup = Argument(); }
                else break;
            }
            return (sub, sup) switch
            {
                (null, null) => atom,
                (not null, null) => $"<msub>{atom}{sub}</msub>",
                (null, not null) => $"<msup>{atom}{sup}</msup>",
                _ => $"<msubsup>{atom}{sub}{sup}</msubsup>",
            };
        }

        /// <summary>One argument: a {group} or a single atom.</summary>
        string Argument()
        {
            SkipSpaces();
            if (at >= tex.Length) throw new FormatException("ends where an argument was expected.");
            if (tex[at] == '{') { at++; return $"<mrow>{Row('}')}</mrow>"; }
            return Atom();
        }

        string Atom()
        {
            char c = tex[at];
            if (c == '{') { at++; return $"<mrow>{Row('}')}</mrow>"; }
            if (c == '\\') return Command();
            if (char.IsDigit(c) || c == '.' && at + 1 < tex.Length && char.IsDigit(tex[at + 1]))
            {
                int start = at;
                while (at < tex.Length && (char.IsDigit(tex[at]) || tex[at] == '.' && at + 1 < tex.Length && char.IsDigit(tex[at + 1]))) at++;
                return $"<mn>{tex[start..at]}</mn>";
            }
            at++;
            if (char.IsLetter(c)) return $"<mi>{c}</mi>";
            if (c is '_' or '^') throw new FormatException($"has a '{c}' with nothing before it.");
            if (c == '&' || c == '#' || c == '$' || c == '~') throw new FormatException($"uses '{c}', which the site's formula renderer does not support.");
            // TeX's plain brackets keep their size; MathML's would stretch to the tallest thing in the row.
            if (c is '(' or ')' or '[' or ']' or '|') return $"<mo stretchy=\"false\">{c}</mo>";
            return c == '-' ? "<mo>−</mo>" : $"<mo>{WebUtility.HtmlEncode(c.ToString())}</mo>";
        }

        string Command()
        {
            at++;
            if (at >= tex.Length) throw new FormatException("ends with a lone backslash.");
            int start = at;
            if (char.IsLetter(tex[at])) while (at < tex.Length && char.IsLetter(tex[at])) at++;
            else at++;
            string name = tex[start..at];
            if (Spaces.TryGetValue(name, out var width)) return $"<mspace width=\"{width}\"/>";
            if (Greek.TryGetValue(name, out var letter)) return $"<mi>{letter}</mi>";
            if (Symbols.TryGetValue(name, out var symbol))
                return name is "sum" or "prod" or "int" ? $"<mo largeop=\"true\">{symbol}</mo>" : $"<mo>{symbol}</mo>";
            if (Functions.Contains(name)) return $"<mi>{name}</mi><mo>&#x2061;</mo>";
            switch (name)
            {
                case "frac": { string num = Argument(); string den = Argument(); return $"<mfrac>{num}{den}</mfrac>"; }
                case "sqrt": return $"<msqrt>{Argument()}</msqrt>";
                case "text" or "mathrm" or "operatorname": return $"<mtext>{WebUtility.HtmlEncode(RawGroup())}</mtext>";
                case "mathbf": return $"<mi mathvariant=\"bold\">{WebUtility.HtmlEncode(RawGroup())}</mi>";
                case "left" or "right" or "big" or "Big" or "bigl" or "bigr": return "";
                default: throw new FormatException($"uses \\{name}, which the site's formula renderer does not know (TexMath.cs lists what it knows).");
            }
        }

        /// <summary>The text of a {group} as written, for \text and its kin.</summary>
        string RawGroup()
        {
            SkipSpaces();
            if (at >= tex.Length || tex[at] != '{') throw new FormatException("has a \\text-like command without a {group}.");
            int end = tex.IndexOf('}', at);
            if (end < 0) throw new FormatException("has a '{' that is never closed.");
            string text = tex[(at + 1)..end];
            at = end + 1;
            return text;
        }

        void SkipSpaces()
        {
            while (at < tex.Length && char.IsWhiteSpace(tex[at])) at++;
        }
    }
}
