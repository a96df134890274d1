"""The made-up words fakes are built from: plain, pronounceable, ASCII (any encoding holds them)."""

FIRST_NAMES = tuple("""
Ada Alan Alice Amir Anna Arlo Aya Ben Bea Carl Cleo Dana Dev Dora Eli Ella Emil Erin Ezra Faye Finn
Gabe Gina Hana Hugo Ida Ines Ivan Jada Jens Joy Juno Kai Kara Lars Lena Leo Lia Liv Luca Mae Mara
Max Mia Milo Nia Nico Nils Noa Nora Olga Omar Otto Pia Quin Rafa Remy Rita Rosa Ruth Sami Sara Sol
Tara Teo Tess Theo Tom Uma Vera Vik Wade Wren Yara Yuri Zane Zoe Abel Bram Cato Dirk Edda Fred Greta
Hans Inga Joel Kim Lou Mats Nell Opal Pete Rhea Saul Tove Ugo Vito Will Xena Yves
""".split())

LAST_NAMES = tuple("""
Abbott Adler Baird Banks Barlow Becker Berg Blake Boyle Brandt Brooks Burke Carver Chase Clay Cole
Cross Dahl Dale Drake Dunn Eastman Ellis Engel Falk Farrow Fisher Flynn Ford Frost Gale Garner Graf
Grant Gray Hale Hart Hayes Holt Hood Hull Ingram Irwin Jansen Kerr Knox Krause Lake Lang Lind Lowe
Lund Marsh Meyer Moss Nash Noble Novak Oakes Olsen Page Park Pike Quill Ray Reed Rhodes Roth Rowe
Sage Sand Shaw Stone Storm Strand Swift Thorne Tate Vance Vogel Wade Ward Webb Wells West Wilde Wolf
Wood Wren Young Zeller Ames Bond Crane Dove Eriks Fox Gill
""".split())

STREETS = tuple("""
Maple Oak Cedar Birch Willow Elm Aspen Linden Hazel Juniper Alder Rowan Poplar Spruce Laurel Meadow
Orchard Mill River Harbor Hill Lake Park Garden Station Market Church Bridge Forest Valley Sunset
""".split())

STREET_KINDS = ("Street", "Road", "Lane", "Avenue", "Way", "Close", "Drive", "Place")

CITIES = tuple("""
Ashford Brookfield Clearwater Dunmore Eastwick Fairview Glenwood Hillcrest Kingsbridge Lakeside
Millbrook Northfield Oakridge Pinehurst Queensbury Riverton Springdale Stonebridge Westbury Whitmore
""".split())

LOREM = tuple("""
lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et
dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea
commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur
excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est
""".split())
